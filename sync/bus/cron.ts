/**
 * When the bus's sync jobs run: the nightly full list check (02:30 Asia/Tokyo by default), the WAL
 * checkpoint of records.sqlite and list.sqlite and the purge of acknowledged records past their
 * retention on cron slots in Asia/Tokyo, and the periodic record upload every `upload_every_s` on
 * the monotonic clock. What each job does is cron-jobs.ts; how they are timed, and what a wall-clock
 * step does to them, is cron-scheduler.ts (node-cron parses and matches the expressions; its own
 * runner is not used, because it walks every slot a forward clock step skipped: issue 12).
 */
import type { SyncConfig } from '../../device/config/schema.js';
import type { Logger } from '../../device/log/logger.js';
import type { Clock } from '../../hardware/ports/clock.js';
import type { ClockStep } from './clock-step-watch.js';
import { SYNC_JOB_NAMES, type SyncJobName, type SyncJobs } from './cron-jobs.js';
import { JobScheduler } from './cron-scheduler.js';

/** Service calendar days are Tokyo days (DOMAIN.md), whatever the system time zone says. */
export const SYNC_TIMEZONE = 'Asia/Tokyo';

/** A job runs on cron slots (wall clock, Asia/Tokyo) or every so many seconds (monotonic). */
export type JobTiming = { readonly cron: string } | { readonly every_s: number };

export type SyncSchedule = Record<SyncJobName, JobTiming>;

/** When every job runs, from config. */
export function syncSchedule(
  settings: Pick<SyncConfig, 'upload_every_s' | 'nightly_check_cron' | 'wal_checkpoint_cron' | 'purge_cron'>,
): SyncSchedule {
  return {
    nightly_check: { cron: settings.nightly_check_cron },
    upload: { every_s: settings.upload_every_s },
    wal_checkpoint: { cron: settings.wal_checkpoint_cron },
    purge: { cron: settings.purge_cron },
  };
}

export interface ScheduledSyncJobs {
  readonly schedule: SyncSchedule;
  /** Next cron slot of each cron job, epoch ms. */
  nextSlots(): Record<string, number>;
  /** Idempotent: no job starts after this (a running job finishes on its own). */
  stop(): Promise<void>;
}

export interface ScheduleOptions {
  readonly clock: Clock;
  /** Leaves some jobs out (a bus with no broker has nothing to upload). */
  readonly skip?: readonly SyncJobName[];
  /** After a wall-clock step was logged and the jobs re-planned. */
  readonly onClockStep?: (step: ClockStep) => void;
  /** Monotonic ms, the step threshold and check period: tests on virtual time set them. */
  readonly monotonic?: () => number;
  readonly stepThresholdMs?: number;
  readonly stepCheckEveryMs?: number;
}

/** Registers and starts every job. */
export function scheduleSyncJobs(
  schedule: SyncSchedule,
  jobs: SyncJobs,
  logger: Logger,
  opts: ScheduleOptions,
): ScheduledSyncJobs {
  const scheduler = new JobScheduler({
    clock: opts.clock,
    logger: logger.child({ component: 'cron' }),
    timezone: SYNC_TIMEZONE,
    ...(opts.monotonic ? { monotonic: opts.monotonic } : {}),
    ...(opts.stepThresholdMs ? { stepThresholdMs: opts.stepThresholdMs } : {}),
    ...(opts.stepCheckEveryMs ? { stepCheckEveryMs: opts.stepCheckEveryMs } : {}),
    ...(opts.onClockStep ? { onClockStep: opts.onClockStep } : {}),
  });
  for (const name of SYNC_JOB_NAMES) {
    if (opts.skip?.includes(name)) continue;
    const timing = schedule[name];
    if ('cron' in timing) scheduler.addCron(name, timing.cron, jobs[name]);
    else scheduler.addInterval(name, timing.every_s * 1000, jobs[name]);
  }
  scheduler.start();
  return {
    schedule,
    nextSlots: () => scheduler.nextSlots(),
    async stop() {
      scheduler.stop();
    },
  };
}
