/**
 * Runs the bus's jobs without ever blocking a tap, whatever the wall clock does (issue 12).
 *
 * - Cron jobs (wall-clock slots in a time zone): one timer per job to its next slot only
 *   (cron-slots.ts finds it by walking days, never slots). A timer sleeps at most an hour and
 *   checks the wall clock when it wakes, so a slot months away needs no 24.8-day timer.
 * - Interval jobs ("every 15 s"): a plain setInterval, which runs on the monotonic clock and
 *   never sees a wall-clock step.
 * - A wall-clock step either way (clock-step-watch.ts) is one event: one `clock step` warning,
 *   every cron job re-planned once from the new time. A forward step runs each job whose slot it
 *   skipped exactly once; a step back runs nothing, and a job does not run again before the slot
 *   it last ran unless that slot lies more than a day ahead (then it belongs to a clock the bus
 *   no longer has, and waiting for it would stop the job). Judging the clock for taps is the tap
 *   pipeline's (device/rules/clock-trust.ts); `onClockStep` lets the owner refresh that at once.
 *
 * No job overlaps itself: a slot that comes while the job still runs is skipped and logged.
 */
import type { Logger } from '../../device/log/logger.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { type ClockStep, ClockStepWatch } from './clock-step-watch.js';
import { CronSlots } from './cron-slots.js';

const DAY_MS = 86_400_000;
const MAX_SLEEP_MS = 3_600_000;

export type JobFn = () => Promise<unknown> | unknown;

export interface JobSchedulerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timezone: string;
  /** Monotonic ms for the step watch (performance.now by default). */
  readonly monotonic?: () => number;
  readonly stepThresholdMs?: number;
  readonly stepCheckEveryMs?: number;
  /** After the step is logged and the jobs re-planned. */
  readonly onClockStep?: (step: ClockStep) => void;
}

interface Job {
  readonly name: string;
  readonly fn: JobFn;
  running: boolean;
}

interface CronJob extends Job {
  readonly slots: CronSlots;
  /** Epoch ms of the next slot. */
  due: number;
  /** Epoch ms of the slot it last ran for. */
  lastSlot: number | null;
  timer: NodeJS.Timeout | null;
}

interface IntervalJob extends Job {
  readonly everyMs: number;
  timer: NodeJS.Timeout | null;
}

export class JobScheduler {
  readonly #o: JobSchedulerOptions;
  readonly #log: Logger;
  readonly #cron: CronJob[] = [];
  readonly #intervals: IntervalJob[] = [];
  readonly #watch: ClockStepWatch;
  #started = false;
  #stopped = false;

  constructor(options: JobSchedulerOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#watch = new ClockStepWatch({
      clock: options.clock,
      ...(options.monotonic ? { monotonic: options.monotonic } : {}),
      ...(options.stepThresholdMs ? { thresholdMs: options.stepThresholdMs } : {}),
      ...(options.stepCheckEveryMs ? { everyMs: options.stepCheckEveryMs } : {}),
      onStep: (step) => this.#onClockStep(step),
    });
  }

  addCron(name: string, expression: string, fn: JobFn): void {
    const slots = new CronSlots(expression, this.#o.timezone);
    this.#cron.push({ name, fn, slots, due: 0, lastSlot: null, timer: null, running: false });
  }

  addInterval(name: string, everyMs: number, fn: JobFn): void {
    this.#intervals.push({ name, fn, everyMs, timer: null, running: false });
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    const now = this.#o.clock.now();
    for (const job of this.#cron) {
      job.due = job.slots.next(now);
      this.#arm(job);
      this.#log.info(
        {
          job: job.name,
          cron: job.slots.expression,
          timezone: this.#o.timezone,
          next: new Date(job.due).toISOString(),
        },
        'job scheduled',
      );
    }
    for (const job of this.#intervals) {
      job.timer = setInterval(() => this.#run(job, 'interval'), job.everyMs);
      this.#log.info({ job: job.name, every_s: job.everyMs / 1000 }, 'job scheduled');
    }
    this.#watch.start();
  }

  /** Next slot of every cron job (epoch ms), for status and tests. */
  nextSlots(): Record<string, number> {
    return Object.fromEntries(this.#cron.map((j) => [j.name, j.due]));
  }

  /** The step watch's comparison, now (tests on virtual time call it; the interval does too). */
  checkClock(): ClockStep | null {
    return this.#watch.check();
  }

  /** Idempotent: no job starts after this; a running job finishes on its own. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#watch.stop();
    for (const job of this.#cron) {
      if (job.timer) clearTimeout(job.timer);
      job.timer = null;
      job.slots.dispose();
    }
    for (const job of this.#intervals) {
      if (job.timer) clearInterval(job.timer);
      job.timer = null;
    }
  }

  #arm(job: CronJob): void {
    if (job.timer) clearTimeout(job.timer);
    if (this.#stopped) return;
    const delay = Math.min(MAX_SLEEP_MS, Math.max(0, job.due - this.#o.clock.now()));
    job.timer = setTimeout(() => this.#onTimer(job), delay);
  }

  #onTimer(job: CronJob): void {
    job.timer = null;
    const now = this.#o.clock.now();
    // Woken early: the sleep was capped, or the clock went back by less than a step.
    if (now >= job.due) {
      this.#run(job, 'slot');
      job.lastSlot = job.due;
      job.due = job.slots.next(now);
    }
    this.#arm(job);
  }

  #run(job: Job, why: 'slot' | 'interval' | 'clock step'): void {
    if (this.#stopped) return;
    if (job.running) {
      const fields = { job: job.name, why };
      if (why === 'interval') this.#log.debug(fields, 'job still running; run skipped');
      else this.#log.warn(fields, 'job still running; run skipped');
      return;
    }
    job.running = true;
    // A job logs its own outcome (cron-jobs.ts); this only keeps a throw from escaping.
    Promise.resolve()
      .then(job.fn)
      .catch((err: unknown) => this.#log.error({ job: job.name, err: (err as Error)?.message }, 'job failed'))
      .finally(() => {
        job.running = false;
      });
  }

  #onClockStep(step: ClockStep): void {
    if (this.#stopped) return;
    this.#log.warn(
      {
        step_ms: Math.round(step.stepMs),
        step: describeStep(step.stepMs),
        from: new Date(step.fromMs).toISOString(),
        to: new Date(step.toMs).toISOString(),
      },
      'clock step',
    );
    const now = this.#o.clock.now();
    const caughtUp: string[] = [];
    for (const job of this.#cron) {
      let from = now;
      if (step.stepMs > 0 && job.due <= now) {
        // The step skipped this job's slot (or many of them): run it once, not once per slot.
        this.#run(job, 'clock step');
        job.lastSlot = job.due;
        caughtUp.push(job.name);
      } else if (
        step.stepMs < 0 &&
        job.lastSlot !== null &&
        job.lastSlot > now &&
        job.lastSlot - now <= DAY_MS
      ) {
        from = job.lastSlot;
      }
      job.due = job.slots.next(from);
      this.#arm(job);
    }
    this.#log.info(
      {
        caught_up: caughtUp,
        next: Object.fromEntries(this.#cron.map((j) => [j.name, new Date(j.due).toISOString()])),
      },
      'jobs re-planned',
    );
    this.#o.onClockStep?.(step);
  }
}

/** "+30d 0h 0m", "-1h 5m": the size of a step for a person reading the log. */
export function describeStep(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let rest = Math.round(Math.abs(ms) / 60_000);
  const d = Math.floor(rest / 1440);
  rest -= d * 1440;
  const h = Math.floor(rest / 60);
  const m = rest - h * 60;
  return d > 0 ? `${sign}${d}d ${h}h ${m}m` : `${sign}${h}h ${m}m`;
}
