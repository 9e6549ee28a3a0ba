/**
 * The systemd watchdog (systemd.service(5) `WatchdogSec=`, sd_watchdog_enabled(3)) fed by the tap
 * loop's own health, not by a bare timer.
 *
 * Taps are handled synchronously on the event loop, so the loop *is* the tap loop. A short beat
 * timer measures how late the loop runs it: a loop blocked by a stuck synchronous call sends
 * nothing at all, and one so busy that every turn comes seconds late cannot take taps either. When
 * a ping is due, the lag since the last decision must be under `maxLagMs` and the probe (the
 * daemon: not shutting down, stores answering the reads a tap makes) must find no problem; only
 * then is WATCHDOG=1 sent. A withheld ping is retried at the next beat, so one recovered stall
 * costs a beat, while a loop that stays stalled or sick stops the pings and systemd restarts the
 * service after `WatchdogSec=`.
 */
import type { Logger } from '../log/logger.js';

export interface WatchdogOptions {
  /** Between pings: half of WATCHDOG_USEC (see sd-notify.ts). */
  readonly intervalMs: number;
  /** Why the tap loop could not take a tap now, or null when it can. */
  readonly probe: () => string | null;
  readonly ping: () => void;
  readonly logger: Logger;
  /** Beat period; default a quarter of the interval, at most 1 s. */
  readonly beatMs?: number;
  /** Event-loop lag above which a ping is withheld; default the interval, at most 5 s. */
  readonly maxLagMs?: number;
  /** Monotonic milliseconds (injected so tests can stall time). */
  readonly now?: () => number;
}

export class Watchdog {
  readonly #intervalMs: number;
  readonly #beatMs: number;
  readonly #maxLagMs: number;
  readonly #probe: () => string | null;
  readonly #ping: () => void;
  readonly #now: () => number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #lastBeat = 0;
  #lastPing = 0;
  #worstLag = 0;
  #withheld: string | null = null;

  constructor(opts: WatchdogOptions) {
    this.#intervalMs = opts.intervalMs;
    this.#beatMs = Math.max(1, Math.round(opts.beatMs ?? Math.min(opts.intervalMs / 4, 1000)));
    this.#maxLagMs = opts.maxLagMs ?? Math.min(opts.intervalMs, 5000);
    this.#probe = opts.probe;
    this.#ping = opts.ping;
    this.#now = opts.now ?? (() => performance.now());
    this.#log = opts.logger.child({ component: 'watchdog' });
  }

  /** Starts beating; the first ping goes out one interval from now. */
  start(): void {
    if (this.#timer) return;
    this.#lastBeat = this.#lastPing = this.#now();
    this.#timer = setInterval(() => this.#beat(), this.#beatMs);
    // The daemon keeps the process alive; the watchdog must not be the reason it stays up.
    this.#timer.unref();
    this.#log.info({ interval_ms: this.#intervalMs, max_lag_ms: this.#maxLagMs }, 'watchdog started');
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #beat(): void {
    const now = this.#now();
    const lag = now - this.#lastBeat - this.#beatMs;
    this.#lastBeat = now;
    if (lag > this.#worstLag) this.#worstLag = lag;
    if (now - this.#lastPing < this.#intervalMs) return;

    const worst = this.#worstLag;
    this.#worstLag = 0;
    const problem = worst > this.#maxLagMs ? 'event loop stalled' : this.#safeProbe();
    if (problem) {
      if (problem !== this.#withheld || worst > this.#maxLagMs) {
        this.#log.warn({ problem, lag_ms: Math.round(worst) }, 'watchdog ping withheld');
      }
      this.#withheld = problem;
      return;
    }
    if (this.#withheld) this.#log.info('watchdog pings resumed');
    this.#withheld = null;
    this.#lastPing = now;
    this.#ping();
  }

  #safeProbe(): string | null {
    try {
      return this.#probe();
    } catch (err) {
      return `health probe failed: ${(err as Error).message}`;
    }
  }
}
