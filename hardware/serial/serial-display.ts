/**
 * The driver display unit on a serial line: screen, buzzer and two-colour light are one device,
 * so one adapter implements both DriverDisplay and PassengerSignal. It encodes what the device
 * composed (no business rules here), keeps one frame in flight, resends it on NAK or after
 * `ackTimeoutMs` up to `maxRetries` times, and reopens the port with capped back-off.
 * Protocol: hardware/README.md, "Driver display unit (serial protocol)".
 */
import type { Clock } from '../ports/clock.js';
import type {
  DisplayObserver,
  DriverDisplay,
  StatusLine,
  VerdictScreen,
  VerdictTone,
} from '../ports/driver-display.js';
import { DeviceIoError } from '../ports/errors.js';
import type { PassengerSignal } from '../ports/passenger-signal.js';
import type { BackoffOptions } from './backoff.js';
import { encodeFrame, FrameDecoder, FrameType, frameTypeName } from './display-frame.js';
import { encodeStatus, encodeVerdict } from './display-messages.js';
import { encodeSignal, SIGNAL_PATTERNS } from './display-signal.js';
import { type SerialLogger, silentSerialLogger } from './logger.js';
import { type Outgoing, type OutKind, SendQueue } from './send-queue.js';
import { type LinkState, SerialLink } from './serial-link.js';
import { type TextCodec, type TextEncoding, textCodec } from './text-codec.js';

export interface SerialDisplayOptions {
  readonly path: string;
  readonly baud: number;
  readonly encoding: TextEncoding;
  readonly ackTimeoutMs: number;
  readonly maxRetries: number;
  readonly queueLimit: number;
  readonly clock?: Clock | undefined;
  readonly logger?: SerialLogger | undefined;
  /** Reopen delays; default 250 ms doubling to 10 s. */
  readonly reconnect?: BackoffOptions | undefined;
  /** Default deadline of `close()`. */
  readonly closeDeadlineMs?: number | undefined;
  /** A tone still queued after this long is dropped: its passenger has gone. Default 3000. */
  readonly signalTtlMs?: number | undefined;
}

/** Hooks for tests and the benchmark (tap → display bytes); not part of the port. */
export interface DisplayWatcher {
  /** The frame's last byte left the port (resolved `drain()`). */
  frameWritten(e: { seq: number; type: string; attempt: number; bytes: number; at: number }): void;
  acked(e: { seq: number; type: string; attempts: number }): void;
  /** Dropped by the queue policy, given up after retries, or cancelled by close(). */
  dropped(e: { type: string; why: 'replaced' | 'queue_full' | 'stale' | 'no_ack' | 'closed' }): void;
  linkState(state: LinkState): void;
}

interface InFlight {
  readonly item: Outgoing;
  readonly seq: number;
  readonly bytes: Buffer;
  attempts: number;
  timer: NodeJS.Timeout | null;
}

const DEVICE = 'display';

export class SerialDisplay implements DriverDisplay, PassengerSignal {
  readonly #opts: SerialDisplayOptions;
  readonly #clock: Clock;
  readonly #log: SerialLogger;
  readonly #codec: TextCodec;
  readonly #link: SerialLink;
  readonly #queue: SendQueue;
  readonly #decoder = new FrameDecoder();
  readonly #observers = new Set<DisplayObserver>();
  readonly #watchers = new Set<Partial<DisplayWatcher>>();
  #inFlight: InFlight | null = null;
  #seq = 0;
  #closing: Promise<void> | null = null;
  #idle: (() => void) | null = null;

  constructor(opts: SerialDisplayOptions) {
    if (opts.maxRetries < 0 || opts.ackTimeoutMs <= 0) throw new RangeError('bad display retry settings');
    this.#opts = opts;
    this.#clock = opts.clock ?? { now: () => Date.now() };
    this.#log = opts.logger ?? silentSerialLogger;
    this.#codec = textCodec(opts.encoding);
    this.#queue = new SendQueue(opts.queueLimit);
    this.#link = new SerialLink(
      { path: opts.path, baud: opts.baud, device: DEVICE, backoff: opts.reconnect, logger: this.#log },
      {
        onData: (chunk) => this.#onData(chunk),
        onOpen: () => this.#onOpen(),
        onDown: (err) => this.#onDown(err),
        onState: (state) => this.#emit('linkState', state),
      },
    );
  }

  /** Opens the port; rejects (DeviceIoError) when the path is missing or cannot be opened. */
  open(): Promise<void> {
    return this.#link.open();
  }

  get linkState(): LinkState {
    return this.#link.state;
  }

  showVerdict(screen: VerdictScreen): void {
    this.#enqueue('verdict', FrameType.VERDICT, () => encodeVerdict(screen, this.#codec));
  }

  showStatus(status: StatusLine): void {
    this.#enqueue('status', FrameType.STATUS, () => encodeStatus(status, this.#codec));
  }

  play(tone: VerdictTone): void {
    this.#enqueue('signal', FrameType.SIGNAL, () => ({
      payload: encodeSignal(SIGNAL_PATTERNS[tone]),
      clipped: [],
    }));
  }

  subscribe(observer: DisplayObserver): () => void {
    // Keyple's rule: an observer that cannot hear errors would hide a dead display.
    if (typeof observer?.onError !== 'function') throw new TypeError('observer needs an onError handler');
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  watch(watcher: Partial<DisplayWatcher>): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /**
   * Sends what is queued until `deadlineMs` (default `closeDeadlineMs`, 1000), then drops the rest
   * and closes the port. Idempotent: later calls return the same promise.
   */
  close(deadlineMs = this.#opts.closeDeadlineMs ?? 1000): Promise<void> {
    this.#closing ??= this.#shutdown(deadlineMs);
    return this.#closing;
  }

  #enqueue(kind: OutKind, type: number, encode: () => { payload: Buffer; clipped: readonly number[] }): void {
    if (this.#closing) return;
    let payload: Buffer;
    try {
      const encoded = encode();
      payload = encoded.payload;
      if (encoded.clipped.length > 0)
        this.#log.warn({ kind, tags: encoded.clipped }, 'display text clipped to fit');
    } catch (cause) {
      this.#report(
        new Error(`cannot encode ${kind} for the display: ${(cause as Error).message}`, { cause }),
      );
      return;
    }
    const dropped = this.#queue.push({ kind, type, payload, queuedAt: this.#clock.now() });
    for (const d of dropped) {
      this.#emit('dropped', {
        type: d.kind,
        why: d.kind === kind && kind !== 'signal' ? 'replaced' : 'queue_full',
      });
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#inFlight || this.#link.state !== 'open') return;
    let item = this.#queue.shift();
    const ttl = this.#opts.signalTtlMs ?? 3000;
    while (item?.kind === 'signal' && this.#clock.now() - item.queuedAt > ttl) {
      this.#emit('dropped', { type: 'signal', why: 'stale' });
      item = this.#queue.shift();
    }
    if (!item) {
      this.#idle?.();
      return;
    }
    const seq = this.#seq;
    this.#seq = (this.#seq + 1) & 0xff;
    const bytes = encodeFrame({ seq, type: item.type, payload: item.payload });
    this.#inFlight = { item, seq, bytes, attempts: 0, timer: null };
    this.#transmit(this.#inFlight);
  }

  #transmit(f: InFlight): void {
    f.attempts++;
    const attempt = f.attempts;
    // The wait covers the bytes' time on the wire (10 bits a byte) so a slow baud never times out early.
    const wireMs = Math.ceil((f.bytes.length * 10 * 1000) / this.#opts.baud);
    f.timer = setTimeout(() => this.#retry(f, 'no ACK'), this.#opts.ackTimeoutMs + wireMs);
    this.#link.write(f.bytes).then(
      () =>
        this.#emit('frameWritten', {
          seq: f.seq,
          type: f.item.kind,
          attempt,
          bytes: f.bytes.length,
          at: this.#clock.now(),
        }),
      // The link reports the loss itself (onDown); the frame is requeued there.
      (err: Error) => this.#log.debug({ seq: f.seq, err: err.message }, 'display write failed'),
    );
  }

  #retry(f: InFlight, why: string): void {
    if (this.#inFlight !== f) return;
    if (f.timer) clearTimeout(f.timer);
    f.timer = null;
    if (f.attempts <= this.#opts.maxRetries) {
      this.#log.debug({ seq: f.seq, type: f.item.kind, attempt: f.attempts, why }, 'resending display frame');
      this.#transmit(f);
      return;
    }
    this.#inFlight = null;
    this.#emit('dropped', { type: f.item.kind, why: 'no_ack' });
    this.#report(
      new DeviceIoError(
        DEVICE,
        `display unit did not acknowledge ${f.item.kind.toUpperCase()} seq ${f.seq} after ${f.attempts} attempts (${why})`,
        false,
      ),
    );
    this.#pump();
  }

  #onData(chunk: Buffer): void {
    for (const event of this.#decoder.push(chunk)) {
      if (event.kind === 'bad') {
        // A damaged reply counts as no reply: the ACK timeout resends.
        this.#log.debug({ reason: event.reason }, 'damaged frame from display unit');
        continue;
      }
      const { seq, type } = event.frame;
      const f = this.#inFlight;
      if (!f || f.seq !== seq || (type !== FrameType.ACK && type !== FrameType.NAK)) {
        this.#log.debug({ seq, type: frameTypeName(type) ?? type }, 'unexpected frame from display unit');
        continue;
      }
      if (type === FrameType.NAK) {
        this.#retry(f, `NAK ${event.frame.payload[0] ?? '?'}`);
        continue;
      }
      if (f.timer) clearTimeout(f.timer);
      this.#inFlight = null;
      this.#emit('acked', { seq, type: f.item.kind, attempts: f.attempts });
      this.#pump();
    }
  }

  #onOpen(): void {
    this.#log.info({ path: this.#opts.path }, 'display port open');
    this.#queue.push({
      kind: 'ping',
      type: FrameType.PING,
      payload: Buffer.alloc(0),
      queuedAt: this.#clock.now(),
    });
    this.#pump();
  }

  #onDown(err: DeviceIoError): void {
    const f = this.#inFlight;
    this.#inFlight = null;
    if (f) {
      if (f.timer) clearTimeout(f.timer);
      if (!this.#queue.requeue({ ...f.item })) this.#emit('dropped', { type: f.item.kind, why: 'replaced' });
    }
    this.#report(err);
  }

  async #shutdown(deadlineMs: number): Promise<void> {
    const flushed = new Promise<void>((resolve) => {
      this.#idle = resolve;
      const idle = !this.#inFlight && this.#queue.length === 0;
      // Never opened, or open failed: nothing can be flushed, do not wait for the deadline.
      if (idle || this.#link.state === 'idle' || this.#link.state === 'closed') resolve();
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    await Promise.race([flushed, deadline]);
    clearTimeout(timer);
    this.#idle = null;
    const f = this.#inFlight;
    this.#inFlight = null;
    if (f?.timer) clearTimeout(f.timer);
    const rest = [...(f ? [f.item] : []), ...this.#queue.clear()];
    for (const d of rest) this.#emit('dropped', { type: d.kind, why: 'closed' });
    if (rest.length > 0) this.#log.debug({ frames: rest.length }, 'display closed with frames unsent');
    await this.#link.close();
  }

  #report(error: Error): void {
    this.#log.warn({ err: error.message }, 'display unit problem');
    for (const o of this.#observers) {
      try {
        o.onError(error);
      } catch (e) {
        this.#log.error({ err: (e as Error).message }, 'display observer threw');
      }
    }
  }

  #emit<K extends keyof DisplayWatcher>(name: K, arg: Parameters<DisplayWatcher[K]>[0]): void {
    for (const w of this.#watchers) {
      try {
        (w[name] as ((a: typeof arg) => void) | undefined)?.(arg);
      } catch (e) {
        this.#log.error({ err: (e as Error).message }, 'display watcher threw');
      }
    }
  }
}
