/**
 * The job scheduler on virtual time (issue 12 point 1): a wall-clock step either way is one event,
 * never thousands of missed runs, and the jobs keep their Tokyo slots on the new clock. The wall
 * clock is the monotonic one plus an offset the test steps, as NTP does to a bus whose RTC was dead.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../device/log/logger.js';
import { JobScheduler } from '../../../sync/bus/cron-scheduler.js';

const START = Date.parse('2026-04-15T10:00:00+09:00');
const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

let offset = 0;
const clock = { now: () => Date.now() + offset };
const monotonic = () => Date.now() - START;
let lines: Array<Record<string, unknown>> = [];
let runs: Array<{ job: string; at: number }> = [];
let scheduler: JobScheduler | null = null;

const tokyo = (ms: number) => new Date(ms + 9 * HOUR).toISOString().replace('Z', '+09:00');
const runsOf = (job: string) => runs.filter((r) => r.job === job);
const logged = (msg: string) => lines.filter((l) => l.msg === msg);

function start(
  jobs: Record<string, string | number> = {
    nightly_check: '30 2 * * *',
    upload: 15,
    wal_checkpoint: '0 3 * * *',
    purge: '15 3 * * *',
  },
  fn: (job: string) => Promise<unknown> | unknown = () => undefined,
): JobScheduler {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const s = new JobScheduler({
    clock,
    monotonic,
    logger: createLogger('debug', sink),
    timezone: 'Asia/Tokyo',
  });
  for (const [name, timing] of Object.entries(jobs)) {
    const job = () => {
      runs.push({ job: name, at: clock.now() });
      return fn(name);
    };
    if (typeof timing === 'number') s.addInterval(name, timing * SECOND, job);
    else s.addCron(name, timing, job);
  }
  s.start();
  scheduler = s;
  return s;
}

/** Lets virtual time pass (timers fire, job promises settle) and the logger flush. */
async function pass(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  vi.useFakeTimers({
    now: START,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
  offset = 0;
  lines = [];
  runs = [];
});

afterEach(() => {
  scheduler?.stop();
  scheduler = null;
  vi.useRealTimers();
});

describe('the sync job scheduler', () => {
  it('plans each cron job on its next Asia/Tokyo slot and runs it there, the upload every 15 s', async () => {
    const s = start();
    expect(Object.fromEntries(Object.entries(s.nextSlots()).map(([k, v]) => [k, tokyo(v)]))).toEqual({
      nightly_check: '2026-04-16T02:30:00.000+09:00',
      wal_checkpoint: '2026-04-16T03:00:00.000+09:00',
      purge: '2026-04-16T03:15:00.000+09:00',
    });
    await pass(60 * SECOND);
    expect(runsOf('upload')).toHaveLength(4);
    await pass(DAY - 60 * SECOND);
    expect(runsOf('nightly_check').map((r) => tokyo(r.at))).toEqual(['2026-04-16T02:30:00.000+09:00']);
    expect(runsOf('wal_checkpoint').map((r) => tokyo(r.at))).toEqual(['2026-04-16T03:00:00.000+09:00']);
    expect(runsOf('purge').map((r) => tokyo(r.at))).toEqual(['2026-04-16T03:15:00.000+09:00']);
    expect(runsOf('upload')).toHaveLength(DAY / (15 * SECOND));
    expect(logged('clock step')).toHaveLength(0);
  });

  it.each([
    ['30 days', 30 * DAY],
    ['a year', YEAR],
  ])(
    'a step forward of %s: one clock step event, each skipped job runs once, slots follow the new clock',
    async (_label, step) => {
      start();
      await pass(60 * SECOND);
      const uploadsBefore = runsOf('upload').length;
      offset += step;
      await pass(5 * SECOND); // the next check of the step watch
      const [event] = logged('clock step');
      expect(logged('clock step')).toHaveLength(1);
      expect(event).toMatchObject({ level: 'warn' });
      expect(Math.abs((event!.step_ms as number) - step)).toBeLessThan(10 * SECOND);
      // Every daily job's slot was skipped (many times over): each ran exactly once.
      for (const job of ['nightly_check', 'wal_checkpoint', 'purge']) expect(runsOf(job)).toHaveLength(1);
      expect(logged('jobs re-planned')).toHaveLength(1);
      expect(logged('jobs re-planned')[0]!.caught_up).toEqual(['nightly_check', 'wal_checkpoint', 'purge']);
      // The upload kept its monotonic beat: no burst for the skipped time.
      expect(runsOf('upload').length - uploadsBefore).toBeLessThanOrEqual(1);
      // The next slots are the Tokyo ones after the new time.
      const now = clock.now();
      const next = scheduler!.nextSlots();
      const day = tokyo(now).slice(0, 10);
      const tomorrow = tokyo(now + DAY).slice(0, 10);
      expect(tokyo(next.nightly_check!)).toBe(
        `${tokyo(now) < `${day}T02:30` ? day : tomorrow}T02:30:00.000+09:00`,
      );
      expect(next.purge! - next.nightly_check!).toBe(45 * 60 * SECOND);
      // A day later on the new clock: once more each, at its slot.
      await pass(DAY);
      for (const job of ['nightly_check', 'wal_checkpoint', 'purge']) expect(runsOf(job)).toHaveLength(2);
      expect(tokyo(runsOf('nightly_check')[1]!.at).slice(11, 19)).toBe('02:30:00');
      expect(logged('clock step')).toHaveLength(1);
      // Nothing was walked slot by slot: no "missed" lines, few lines in all.
      expect(lines.length).toBeLessThan(50);
    },
  );

  it('a step back right after the nightly run: nothing runs at the step, the slot does not run twice', async () => {
    start();
    await pass(Date.parse('2026-04-16T02:40:00+09:00') - START);
    expect(runsOf('nightly_check')).toHaveLength(1);
    const beforeStep = runs.length;
    offset -= HOUR; // 02:40 → 01:40: 02:30 comes again on the wall clock
    await pass(5 * SECOND);
    expect(logged('clock step')).toHaveLength(1);
    expect(logged('clock step')[0]!.step_ms as number).toBeLessThan(-HOUR + 10 * SECOND);
    expect(runs.slice(beforeStep).filter((r) => r.job !== 'upload')).toEqual([]);
    // The repeated 02:30 passes without a second nightly check; the checkpoint and purge of 03:00
    // and 03:15 have not run yet on this date, so they still do.
    await pass(2 * HOUR);
    expect(runsOf('nightly_check')).toHaveLength(1);
    expect(runsOf('wal_checkpoint')).toHaveLength(1);
    expect(runsOf('purge')).toHaveLength(1);
    await pass(DAY);
    expect(runsOf('nightly_check')).toHaveLength(2);
    expect(tokyo(runsOf('nightly_check')[1]!.at)).toBe('2026-04-17T02:30:00.000+09:00');
  });

  it('a step back of a year: nothing runs at the step, and the jobs keep running on the old date', async () => {
    start();
    await pass(60 * SECOND);
    offset -= YEAR;
    await pass(5 * SECOND);
    expect(logged('clock step')).toHaveLength(1);
    expect(runs.filter((r) => r.job !== 'upload')).toEqual([]);
    expect(tokyo(scheduler!.nextSlots().nightly_check!)).toBe('2025-04-16T02:30:00.000+09:00');
    const uploads = runsOf('upload').length;
    await pass(DAY);
    for (const job of ['nightly_check', 'wal_checkpoint', 'purge']) expect(runsOf(job)).toHaveLength(1);
    expect(tokyo(runsOf('nightly_check')[0]!.at)).toBe('2025-04-16T02:30:00.000+09:00');
    expect(runsOf('upload').length - uploads).toBe(DAY / (15 * SECOND));
  });

  it('drift and small corrections are no step: no event, jobs still on their slots', async () => {
    start();
    await pass(HOUR);
    offset += 90 * SECOND; // under the 2-minute threshold
    await pass(HOUR);
    offset -= 60 * SECOND;
    await pass(DAY);
    expect(logged('clock step')).toHaveLength(0);
    expect(runsOf('nightly_check').map((r) => tokyo(r.at).slice(11, 16))).toEqual(['02:30']);
  });

  it('never overlaps a job with itself: a run still going when its time comes again is skipped', async () => {
    let release: (() => void) | null = null;
    start({ upload: 1 }, () => new Promise<void>((r) => (release = r)));
    await pass(5 * SECOND);
    expect(runsOf('upload')).toHaveLength(1);
    expect(logged('job still running; run skipped')).toHaveLength(4);
    release!();
    await pass(SECOND);
    expect(runsOf('upload')).toHaveLength(2);
  });

  it('stops: no timer left, no job after stop', async () => {
    const s = start();
    s.stop();
    s.stop();
    await pass(2 * DAY);
    expect(runs).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
