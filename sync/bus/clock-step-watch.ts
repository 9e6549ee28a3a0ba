/**
 * Notices a step of the wall clock (NTP after a dead RTC, a person setting the time): every few
 * seconds it compares how far the wall clock moved with how far the monotonic clock moved. Timers
 * in Node run on the monotonic clock, so a step never fires them; only wall-clock plans (the cron
 * slots) go wrong, and they are re-planned once per step (cron-scheduler.ts). NTP's slewing
 * (at most 0.5 ms/s) stays far below the threshold.
 */
import type { Clock } from '../../hardware/ports/clock.js';

export interface ClockStep {
  /** Wall clock moved this much more than the monotonic clock: > 0 forward, < 0 back. */
  readonly stepMs: number;
  /** Wall-clock reading before the step (as of the previous check, carried forward) and after. */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface ClockStepWatchOptions {
  readonly clock: Clock;
  /** Monotonic milliseconds (performance.now by default). */
  readonly monotonic?: () => number;
  readonly everyMs?: number;
  /** Smaller differences are drift or a late tick, not a step. */
  readonly thresholdMs?: number;
  readonly onStep: (step: ClockStep) => void;
}

export const CLOCK_STEP_THRESHOLD_MS = 120_000;
export const CLOCK_STEP_CHECK_EVERY_MS = 5_000;

export class ClockStepWatch {
  readonly #o: ClockStepWatchOptions;
  readonly #monotonic: () => number;
  #timer: NodeJS.Timeout | null = null;
  #wall = 0;
  #mono = 0;

  constructor(options: ClockStepWatchOptions) {
    this.#o = options;
    this.#monotonic = options.monotonic ?? (() => performance.now());
  }

  start(): void {
    if (this.#timer) return;
    this.#wall = this.#o.clock.now();
    this.#mono = this.#monotonic();
    this.#timer = setInterval(() => this.check(), this.#o.everyMs ?? CLOCK_STEP_CHECK_EVERY_MS);
    // Never the reason a process stays up.
    this.#timer.unref();
  }

  /** One comparison (the interval calls it; tests may too). Returns the step it saw, if any. */
  check(): ClockStep | null {
    const wall = this.#o.clock.now();
    const mono = this.#monotonic();
    const expected = this.#wall + (mono - this.#mono);
    const stepMs = wall - expected;
    this.#wall = wall;
    this.#mono = mono;
    if (Math.abs(stepMs) < (this.#o.thresholdMs ?? CLOCK_STEP_THRESHOLD_MS)) return null;
    const step = { stepMs, fromMs: expected, toMs: wall };
    this.#o.onStep(step);
    return step;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
