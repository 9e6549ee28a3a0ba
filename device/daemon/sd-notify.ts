/**
 * sd_notify(3) without native code. Node cannot open AF_UNIX datagram sockets, so each
 * notification spawns systemd-notify(1). Soft by design (STYLE.md, zigbee2mqtt's sd-notify): with
 * NOTIFY_SOCKET unset every call is a no-op; when systemd-notify is missing or fails, it is logged
 * and the validator keeps taking taps.
 *
 * The datagram comes from a child process, not from the main PID, so the unit needs
 * `NotifyAccess=all` (systemd.service(5)). `--pid=` names our PID as MAINPID; when the service
 * runs as root systemd-notify also sends it as the sender's credentials. We let systemd-notify
 * wait until the manager has processed each message (no `--no-block`): otherwise the child can
 * exit before systemd has mapped its PID to our unit, and the message is dropped
 * (systemd-notify(1), `--no-block`).
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../log/logger.js';

export interface SdNotifyOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Our PID, sent as MAINPID and compared with WATCHDOG_PID. */
  readonly pid: number;
  readonly logger: Logger;
  /** The helper to run; a test points it elsewhere. */
  readonly command?: string;
  /** A helper still running after this long is killed and counted as failed. */
  readonly timeoutMs?: number;
}

/**
 * Milliseconds between watchdog pings: half of WATCHDOG_USEC, as sd_watchdog_enabled(3)
 * recommends; null when the watchdog is off or meant for another process (WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || !/^[1-9]\d*$/.test(usec)) return null;
  const owner = env.WATCHDOG_PID;
  if (owner !== undefined && owner !== '' && owner !== String(pid)) return null;
  return Number(usec) / 2000;
}

const STDERR_KEEP = 500;

export class SdNotify {
  readonly #socket: string | undefined;
  readonly #env: NodeJS.ProcessEnv;
  readonly #pid: number;
  readonly #log: Logger;
  readonly #command: string;
  readonly #timeoutMs: number;
  /** The helper cannot be run at all (not installed): nothing more is tried. */
  #unavailable = false;
  #failing = false;
  #watchdogInFlight = false;
  readonly watchdogIntervalMs: number | null;

  constructor(opts: SdNotifyOptions) {
    this.#env = opts.env;
    this.#socket = opts.env.NOTIFY_SOCKET || undefined;
    this.#pid = opts.pid;
    this.#log = opts.logger.child({ component: 'systemd' });
    this.#command = opts.command ?? 'systemd-notify';
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.watchdogIntervalMs = this.#socket ? watchdogIntervalMs(opts.env, opts.pid) : null;
    const usec = opts.env.WATCHDOG_USEC;
    if (this.#socket && usec !== undefined && !/^[1-9]\d*$/.test(usec)) {
      this.#log.warn({ WATCHDOG_USEC: usec }, 'WATCHDOG_USEC is not a positive integer; watchdog off');
    }
  }

  /** True when a service manager asked for notifications (NOTIFY_SOCKET is set). */
  get enabled(): boolean {
    return this.#socket !== undefined && !this.#unavailable;
  }

  /** READY=1 (with a STATUS= line for `systemctl status`). Resolves true when it was delivered. */
  ready(status: string): Promise<boolean> {
    return this.#send(['READY=1', `STATUS=${status}`]);
  }

  /** STOPPING=1: systemd then waits for our exit under TimeoutStopSec= instead of the watchdog. */
  stopping(): Promise<boolean> {
    return this.#send(['STOPPING=1', 'STATUS=stopping']);
  }

  /** WATCHDOG=1; skipped while the previous ping's helper is still running, so they never pile up. */
  watchdog(): void {
    if (this.#watchdogInFlight) {
      this.#log.debug('previous watchdog ping still in flight; skipping one');
      return;
    }
    this.#watchdogInFlight = true;
    void this.#send(['WATCHDOG=1']).finally(() => {
      this.#watchdogInFlight = false;
    });
  }

  #send(assignments: readonly string[]): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    return new Promise((resolve) => {
      let stderr = '';
      let settled = false;
      const done = (ok: boolean, problem?: Record<string, unknown>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (ok && this.#failing) this.#log.info('systemd-notify works again');
        if (!ok && !this.#failing) this.#log.warn({ sent: assignments, ...problem }, 'systemd-notify failed');
        this.#failing = !ok;
        resolve(ok);
      };
      const child = spawn(this.#command, [`--pid=${this.#pid}`, ...assignments], {
        env: this.#env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done(false, { timeout_ms: this.#timeoutMs });
      }, this.#timeoutMs);
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < STDERR_KEEP) stderr += d.toString('utf8').slice(0, STDERR_KEEP - stderr.length);
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        // ENOENT / EACCES: not installed. Under a service manager that is a broken install, so say
        // it loudly once; taps go on (systemd will time the start out or miss the watchdog).
        this.#unavailable = true;
        this.#log.error(
          { command: this.#command, code: err.code ?? err.message },
          'cannot run systemd-notify (Debian package systemd); no READY/WATCHDOG/STOPPING will reach systemd',
        );
        settled = true;
        clearTimeout(timer);
        resolve(false);
      });
      child.on('close', (code, signal) => {
        done(code === 0, { code, signal, stderr: stderr.trim() });
      });
    });
  }
}
