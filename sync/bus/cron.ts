/**
 * When the bus's sync jobs run (node-cron, Asia/Tokyo): the nightly full list check (02:30 by
 * default), the periodic record upload, the WAL checkpoint of records.sqlite and list.sqlite, and
 * the purge of acknowledged records past their retention. What each job does is cron-jobs.ts.
 */
import cron, { type Logger as CronLogger } from 'node-cron';
import type { SyncConfig } from '../../device/config/schema.js';
import type { Logger } from '../../device/log/logger.js';
import { SYNC_JOB_NAMES, type SyncJobName, type SyncJobs } from './cron-jobs.js';

/** Service calendar days are Tokyo days (DOMAIN.md), whatever the system time zone says. */
export const SYNC_TIMEZONE = 'Asia/Tokyo';

/** A node-cron expression firing every `seconds` (a divisor of a minute, or whole minutes of an hour). */
export function everySeconds(seconds: number): string {
  if (seconds < 60 && 60 % seconds === 0) return seconds === 1 ? '* * * * * *' : `*/${seconds} * * * * *`;
  const minutes = seconds / 60;
  if (Number.isInteger(minutes) && 60 % minutes === 0)
    return minutes === 1 ? '0 * * * * *' : `0 */${minutes} * * * *`;
  throw new RangeError(`${seconds} s does not divide a minute or an hour`);
}

export type SyncSchedule = Record<SyncJobName, string>;

/** The cron expression of every job, from config. */
export function syncSchedule(
  settings: Pick<SyncConfig, 'upload_every_s' | 'nightly_check_cron' | 'wal_checkpoint_cron' | 'purge_cron'>,
): SyncSchedule {
  return {
    nightly_check: settings.nightly_check_cron,
    upload: everySeconds(settings.upload_every_s),
    wal_checkpoint: settings.wal_checkpoint_cron,
    purge: settings.purge_cron,
  };
}

export interface CronTask {
  stop(): void | Promise<void>;
  destroy(): void | Promise<void>;
}

export interface CronTaskOptions {
  readonly name: string;
  readonly timezone: string;
  readonly noOverlap: boolean;
  readonly logger: CronLogger;
}

/** node-cron's `schedule`, or a recorder in tests. */
export type Scheduler = (
  expression: string,
  fn: () => Promise<unknown>,
  options: CronTaskOptions,
) => CronTask;

const nodeCronScheduler: Scheduler = (expression, fn, options) => cron.schedule(expression, fn, options);

export interface ScheduledSyncJobs {
  readonly schedule: SyncSchedule;
  /** Idempotent: stops and unregisters every task (a running job finishes on its own). */
  stop(): Promise<void>;
}

/** Registers every job; `skip` leaves some out (a bus with no broker has nothing to upload). */
export function scheduleSyncJobs(
  schedule: SyncSchedule,
  jobs: SyncJobs,
  logger: Logger,
  opts: { scheduler?: Scheduler; skip?: readonly SyncJobName[] } = {},
): ScheduledSyncJobs {
  const log = logger.child({ component: 'cron' });
  const scheduler = opts.scheduler ?? nodeCronScheduler;
  // node-cron's own messages (a missed run after the event loop stalled, say) go to our log.
  const cronLog: CronLogger = {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m, err) => log.error({ err: err?.message ?? (m instanceof Error ? m.message : m) }, 'node-cron'),
    debug: (m) => log.debug(m instanceof Error ? m.message : m),
  };
  const tasks: CronTask[] = [];
  for (const name of SYNC_JOB_NAMES) {
    if (opts.skip?.includes(name)) continue;
    const expression = schedule[name];
    tasks.push(
      scheduler(expression, jobs[name], {
        name: `teiki-${name}`,
        timezone: SYNC_TIMEZONE,
        noOverlap: true,
        logger: cronLog,
      }),
    );
    log.info({ job: name, cron: expression, timezone: SYNC_TIMEZONE }, 'job scheduled');
  }
  let stopped = false;
  return {
    schedule,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of tasks.splice(0)) {
        await t.stop();
        await t.destroy();
      }
    },
  };
}
