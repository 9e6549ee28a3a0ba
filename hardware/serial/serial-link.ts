/**
 * One serial port that stays open: the first open must succeed (a missing device at start-up is
 * a configuration error the operator must see), later losses are reported once and the port is
 * reopened with capped back-off until it comes back or `close()` is called.
 *
 * serialport notes (node-serialport `packages/stream`): a read or write failure closes the port
 * and emits `close` with a DisconnectedError (`disconnected: true`); the failure is only seen
 * while reading, so a `data` listener is always attached. A port object is never reopened after
 * a loss: each attempt builds a fresh one, so stale events are told apart by identity.
 */
import { access, stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { DeviceIoError } from '../ports/errors.js';
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import type { SerialLogger } from './logger.js';

export type LinkState = 'idle' | 'opening' | 'open' | 'waiting' | 'closed';

export interface SerialLinkOptions {
  readonly path: string;
  readonly baud: number;
  /** Name used in errors and logs (display, stop-source). */
  readonly device: string;
  readonly backoff?: BackoffOptions | undefined;
  readonly logger: SerialLogger;
  /** How often the device node is checked while open (ms); see #watchNode. */
  readonly watchMs?: number | undefined;
}

export interface SerialLinkHandlers {
  onData(chunk: Buffer): void;
  /** The port is (again) open. */
  onOpen(): void;
  /** The port was lost; a reopen is scheduled. */
  onDown(error: DeviceIoError): void;
  onState?(state: LinkState): void;
}

export class SerialLink {
  readonly #opts: SerialLinkOptions;
  readonly #handlers: SerialLinkHandlers;
  readonly #backoff: Backoff;
  #port: SerialPort | null = null;
  #state: LinkState = 'idle';
  #retry: NodeJS.Timeout | null = null;
  #watch: NodeJS.Timeout | null = null;

  constructor(opts: SerialLinkOptions, handlers: SerialLinkHandlers) {
    this.#opts = opts;
    this.#handlers = handlers;
    this.#backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF);
  }

  get state(): LinkState {
    return this.#state;
  }

  /** First open. Rejects with a DeviceIoError naming the path when it is missing or unusable. */
  async open(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`${this.#opts.device}: open() after open() or close()`);
    const { path, device } = this.#opts;
    try {
      await access(path);
    } catch (cause) {
      this.#setState('closed');
      throw new DeviceIoError(device, `${device}: serial port ${path} does not exist`, true, { cause });
    }
    try {
      await this.#openPort();
    } catch (cause) {
      this.#setState('closed');
      throw new DeviceIoError(device, `${device}: cannot open ${path}: ${message(cause)}`, true, { cause });
    }
  }

  /** Writes and waits for the OS to have sent the last byte (tcdrain). Rejects when not open. */
  write(bytes: Uint8Array): Promise<void> {
    const port = this.#port;
    if (!port || this.#state !== 'open') {
      return Promise.reject(
        new DeviceIoError(this.#opts.device, `${this.#opts.device}: port not open`, true),
      );
    }
    return new Promise((resolve, reject) => {
      port.write(bytes, (err) => {
        if (err) return reject(this.#ioError(err, 'write failed'));
        port.drain((drainErr) => (drainErr ? reject(this.#ioError(drainErr, 'drain failed')) : resolve()));
      });
    });
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    this.#stopWatch();
    const port = this.#port;
    this.#port = null;
    if (port) await closeQuietly(port);
  }

  async #openPort(): Promise<void> {
    this.#setState('opening');
    const port = new SerialPort({ path: this.#opts.path, baudRate: this.#opts.baud, autoOpen: false });
    port.on('data', (chunk: Buffer) => {
      if (port === this.#port) this.#handlers.onData(chunk);
    });
    port.on('close', (err: Error | null) => {
      if (port === this.#port) this.#lost(err ?? new Error('port closed'));
    });
    // Without this listener a failed write would crash the process (stream 'error').
    port.on('error', (err: Error) => {
      if (port === this.#port) this.#lost(err);
    });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      port.removeAllListeners();
      port.on('error', () => {});
      throw err;
    }
    if (this.#state === 'closed') {
      // close() ran while we were opening.
      await closeQuietly(port);
      return;
    }
    this.#port = port;
    this.#backoff.reset();
    this.#setState('open');
    this.#watchNode(port);
    this.#handlers.onOpen();
  }

  /**
   * A port that is only read from (the stop source) does not always learn that its device went
   * away: serialport's poller on Linux can miss a hang-up (seen with ptys in CI, issue 3), and the
   * port then waits on a dead descriptor for ever. So while open, the device node is checked: gone,
   * or now a different device (a USB adapter plugged back as a new node, a pty made anew), and the
   * port counts as lost and is reopened like any other loss.
   */
  #watchNode(port: SerialPort): void {
    this.#stopWatch();
    const path = this.#opts.path;
    let opened: number | null = null;
    let checking = false;
    const check = async () => {
      if (checking || port !== this.#port) return;
      checking = true;
      try {
        const rdev = (await stat(path)).rdev;
        opened ??= rdev;
        if (rdev !== opened && port === this.#port) this.#lost(new Error(`device node ${path} changed`));
      } catch (err) {
        if (port === this.#port) this.#lost(new Error(`device node ${path} gone: ${message(err)}`));
      } finally {
        checking = false;
      }
    };
    void check();
    this.#watch = setInterval(() => void check(), this.#opts.watchMs ?? 1000);
    this.#watch.unref();
  }

  #stopWatch(): void {
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = null;
  }

  #lost(err: Error): void {
    if (this.#state !== 'open') return;
    this.#stopWatch();
    const port = this.#port;
    this.#port = null;
    if (port) void closeQuietly(port);
    this.#setState('waiting');
    this.#handlers.onDown(this.#ioError(err, 'port lost'));
    this.#scheduleReopen();
  }

  #scheduleReopen(): void {
    if (this.#state === 'closed') return;
    const delay = this.#backoff.next();
    this.#setState('waiting');
    this.#opts.logger.debug({ device: this.#opts.device, delay }, 'reopening serial port after delay');
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (this.#state === 'closed') return;
      this.#openPort().then(
        () =>
          this.#opts.logger.info(
            { device: this.#opts.device, path: this.#opts.path },
            'serial port reopened',
          ),
        (err: unknown) => {
          this.#opts.logger.debug({ device: this.#opts.device, err: message(err) }, 'reopen failed');
          this.#scheduleReopen();
        },
      );
    }, delay);
  }

  #ioError(err: Error, what: string): DeviceIoError {
    const disconnected = (err as { disconnected?: boolean }).disconnected === true || this.#state !== 'open';
    return new DeviceIoError(
      this.#opts.device,
      `${this.#opts.device}: ${what}: ${err.message}`,
      disconnected,
      {
        cause: err,
      },
    );
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#handlers.onState?.(state);
  }
}

function closeQuietly(port: SerialPort): Promise<void> {
  port.removeAllListeners('data');
  port.on('error', () => {});
  if (!port.isOpen) return Promise.resolve();
  return new Promise((resolve) => port.close(() => resolve()));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
