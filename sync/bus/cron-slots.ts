/**
 * The next slot of a cron expression after any instant, in a time zone. node-cron parses the
 * expression and judges each candidate (`match`, on a task that is never started); the walk is
 * ours because node-cron's own next-run helpers read the system clock, and its runner, after a
 * forward clock step, walks every missed slot one by one on the event loop (issue 12: a year of a
 * 15-second job was minutes of 100% CPU and 800 MB). Here a slot is found by walking days, never
 * slots: for a daily job, one or two candidates whatever the step.
 */
import cron, { type ScheduledTask } from 'node-cron';

/** Far enough for any valid expression (29 February on a given weekday recurs within 28 years). */
const MAX_DAYS = 366 * 30;

interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export class CronSlots {
  readonly expression: string;
  readonly timezone: string;
  /** Seconds of the day the expression can fire at, ascending (hour, minute and second fields). */
  readonly #times: readonly number[];
  readonly #task: ScheduledTask;
  readonly #format: Intl.DateTimeFormat;

  /** Throws on an invalid expression (config validation has refused those already). */
  constructor(expression: string, timezone: string) {
    this.expression = expression;
    this.timezone = timezone;
    const f = cron.parse(expression);
    const times: number[] = [];
    for (const h of f.hour)
      for (const m of f.minute) for (const s of f.second) times.push(h * 3600 + m * 60 + s);
    this.#times = [...new Set(times)].sort((a, b) => a - b);
    this.#task = cron.createTask(expression, () => undefined, { timezone, name: `slots ${expression}` });
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Epoch ms of the first slot strictly after `after` (epoch ms). */
  next(after: number): number {
    const start = this.#local(after);
    for (let i = 0; i < MAX_DAYS; i++) {
      const date = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
      const [y, mo, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
      for (const [k, secondOfDay] of this.#times.entries()) {
        const h = Math.floor(secondOfDay / 3600);
        const mi = Math.floor(secondOfDay / 60) % 60;
        const s = secondOfDay % 60;
        const ts = this.#epochOf(y, mo, d, h, mi, s);
        if (ts <= after) continue;
        if (this.#task.match(new Date(ts))) return ts;
        // The first time of a day fails only on its date fields (day, month, weekday), unless a
        // zone shift moved it to another hour: then the rest of the day is still worth a look.
        const got = this.#local(ts);
        if (k === 0 && got.hour === h && got.minute === mi && got.second === s) break;
      }
    }
    throw new RangeError(`cron expression ${this.expression} has no slot within ${MAX_DAYS} days`);
  }

  /** Removes the matcher task from node-cron's registry. */
  dispose(): void {
    void this.#task.destroy();
  }

  #local(epochMs: number): LocalParts {
    const p: Record<string, number> = {};
    for (const part of this.#format.formatToParts(new Date(epochMs))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    return {
      year: p.year ?? 0,
      month: p.month ?? 0,
      day: p.day ?? 0,
      hour: p.hour ?? 0,
      minute: p.minute ?? 0,
      second: p.second ?? 0,
    };
  }

  /** The zone's offset at an instant, ms (local time read as UTC, minus the instant). */
  #offset(epochMs: number): number {
    const l = this.#local(epochMs);
    const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
    return asUtc - Math.floor(epochMs / 1000) * 1000;
  }

  /** The instant a wall time of the zone names (the later offset across a shift). */
  #epochOf(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
    const guess = Date.UTC(y, mo - 1, d, h, mi, s);
    const before = this.#offset(guess);
    const after = this.#offset(guess - before);
    return guess - (before === after ? before : after);
  }
}
