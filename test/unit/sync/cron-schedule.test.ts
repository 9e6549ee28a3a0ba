import cron, { type ScheduledTask } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../device/config/schema.js';
import { silentLogger } from '../../../device/log/logger.js';
import {
  type CronTaskOptions,
  everySeconds,
  type Scheduler,
  scheduleSyncJobs,
  syncSchedule,
} from '../../../sync/bus/cron.js';
import type { JobOutcome, SyncJobs } from '../../../sync/bus/cron-jobs.js';

/** When the jobs run: registration is checked with a recording scheduler and node-cron's own matcher. */
const minimal = { vehicle: { id: 'bus-101', operator: 'matsue-city' } };
const noop = async (): Promise<JobOutcome> => ({ job: 'upload', ok: true, ms: 0 });
const jobs: SyncJobs = { nightly_check: noop, upload: noop, wal_checkpoint: noop, purge: noop };

describe('sync schedule', () => {
  it('defaults to the nightly check at 02:30 and an upload every 15 s', () => {
    const c = ConfigSchema.parse(minimal);
    expect(c.sync).toMatchObject({ nightly_check_cron: '30 2 * * *', upload_every_s: 15, batch_size: 2000 });
    expect(syncSchedule(c.sync)).toEqual({
      nightly_check: '30 2 * * *',
      upload: '*/15 * * * * *',
      wal_checkpoint: '0 3 * * *',
      purge: '15 3 * * *',
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

  it('turns periods into cron expressions', () => {
    expect([1, 5, 30, 60, 120, 900, 3600].map(everySeconds)).toEqual([
      '* * * * * *',
      '*/5 * * * * *',
      '*/30 * * * * *',
      '0 * * * * *',
      '0 */2 * * * *',
      '0 */15 * * * *',
      '0 */60 * * * *',
    ]);
    expect(() => everySeconds(7)).toThrow(RangeError);
  });

  it('registers every job in Asia/Tokyo without overlap, and stops them once', async () => {
    const registered: Array<{ expression: string; options: CronTaskOptions }> = [];
    let stopped = 0;
    const scheduler: Scheduler = (expression, _fn, options) => {
      registered.push({ expression, options });
      return { stop: () => void stopped++, destroy: () => undefined };
    };
    const s = scheduleSyncJobs(syncSchedule(ConfigSchema.parse(minimal).sync), jobs, silentLogger(), {
      scheduler,
      skip: ['upload'],
    });
    expect(registered.map((r) => [r.options.name, r.expression])).toEqual([
      ['teiki-nightly_check', '30 2 * * *'],
      ['teiki-wal_checkpoint', '0 3 * * *'],
      ['teiki-purge', '15 3 * * *'],
    ]);
    expect(registered.every((r) => r.options.timezone === 'Asia/Tokyo' && r.options.noOverlap)).toBe(true);
    await s.stop();
    await s.stop();
    expect(stopped).toBe(3);
  });

  it('fires the nightly check at 02:30 Tokyo time, whatever the system zone', async () => {
    const tasks: ScheduledTask[] = [];
    const scheduler: Scheduler = (expression, fn, options) => {
      const task = cron.createTask(expression, fn, options);
      tasks.push(task);
      return task;
    };
    const s = scheduleSyncJobs(syncSchedule(ConfigSchema.parse(minimal).sync), jobs, silentLogger(), {
      scheduler,
    });
    const nightly = tasks[0]!;
    expect(nightly.match(new Date('2026-04-01T02:30:00+09:00'))).toBe(true);
    expect(nightly.match(new Date('2026-04-01T02:30:00Z'))).toBe(false);
    const next = nightly.getNextRuns(1)[0]!;
    expect(new Date(next.getTime() + 9 * 3_600_000).toISOString().slice(11, 16)).toBe('02:30');
    await s.stop();
    expect(cron.getTasks().size).toBe(0);
  });
});
