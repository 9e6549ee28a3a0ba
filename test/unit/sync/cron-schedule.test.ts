import { Writable } from 'node:stream';
import cron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigSchema } from '../../../device/config/schema.js';
import { createLogger } from '../../../device/log/logger.js';
import { scheduleSyncJobs, syncSchedule } from '../../../sync/bus/cron.js';
import type { JobOutcome, SyncJobs } from '../../../sync/bus/cron-jobs.js';

/** When the jobs run, from config: cron slots in Asia/Tokyo, the upload on a monotonic period. */
const minimal = { vehicle: { id: 'bus-101', operator: 'matsue-city' } };
const noop = async (): Promise<JobOutcome> => ({ job: 'upload', ok: true, ms: 0 });
const jobs: SyncJobs = { nightly_check: noop, upload: noop, wal_checkpoint: noop, purge: noop };

afterEach(() => {
  vi.useRealTimers();
});

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger('info', sink) };
}

describe('sync schedule', () => {
  it('defaults to the nightly check at 02:30 and an upload every 15 s', () => {
    const c = ConfigSchema.parse(minimal);
    expect(c.sync).toMatchObject({ nightly_check_cron: '30 2 * * *', upload_every_s: 15, batch_size: 2000 });
    expect(syncSchedule(c.sync)).toEqual({
      nightly_check: { cron: '30 2 * * *' },
      upload: { every_s: 15 },
      wal_checkpoint: { cron: '0 3 * * *' },
      purge: { cron: '15 3 * * *' },
    });
    expect(c.mqtt).toMatchObject({ session_expiry_s: 604_800, reconnect_max_ms: 60_000 });
  });

  it('refuses a cron expression or an upload period it cannot keep, at start-up', () => {
    expect(() => ConfigSchema.parse({ ...minimal, sync: { nightly_check_cron: '30 25 * * *' } })).toThrow(
      /valid cron/,
    );
    expect(() => ConfigSchema.parse({ ...minimal, sync: { upload_every_s: 7 } })).toThrow(/divide a minute/);
    expect(() => ConfigSchema.parse({ ...minimal, sync: { retention: 3 } })).toThrow();
  });

  it('schedules every job, the cron ones at their Tokyo slot, and stops once', async () => {
    vi.useFakeTimers({
      now: Date.parse('2026-04-01T12:00:00Z'),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    const { lines, logger } = capture();
    const clock = { now: () => Date.now() };
    const s = scheduleSyncJobs(syncSchedule(ConfigSchema.parse(minimal).sync), jobs, logger, {
      clock,
      skip: ['upload'],
    });
    await vi.waitFor(() => expect(lines.filter((l) => l.msg === 'job scheduled')).toHaveLength(3));
    expect(lines.map((l) => [l.job, l.cron, l.timezone])).toEqual([
      ['nightly_check', '30 2 * * *', 'Asia/Tokyo'],
      ['wal_checkpoint', '0 3 * * *', 'Asia/Tokyo'],
      ['purge', '15 3 * * *', 'Asia/Tokyo'],
    ]);
    // 12:00 UTC is 21:00 in Tokyo: the next 02:30 JST is 17:30 UTC the same day.
    expect(new Date(s.nextSlots().nightly_check!).toISOString()).toBe('2026-04-01T17:30:00.000Z');
    expect(cron.getTasks().size).toBe(3); // the matchers, never started
    await s.stop();
    await s.stop();
    expect(cron.getTasks().size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
