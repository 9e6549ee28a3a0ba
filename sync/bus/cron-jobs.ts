/**
 * The bus's scheduled sync jobs as plain functions (cron.ts only decides when they run, so tests
 * call them directly). Each run is logged with its duration; a failure is logged and swallowed:
 * a job must never take the validator off the bus.
 */
import type { MqttClient } from 'mqtt';
import type { SyncConfig } from '../../device/config/schema.js';
import type { Logger } from '../../device/log/logger.js';
import type { RecordStore } from '../../device/store/record-store.js';
import type { ListInfo } from '../../device/store/types.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { encodeResync } from '../messages.js';
import type { Resync } from '../schemas/resync.js';
import { topics } from '../topics.js';
import { type CheckpointResult, checkpointDbFile } from './cron-checkpoint.js';

export const SYNC_JOB_NAMES = ['nightly_check', 'upload', 'wal_checkpoint', 'purge'] as const;
export type SyncJobName = (typeof SYNC_JOB_NAMES)[number];

export interface JobOutcome {
  readonly job: SyncJobName;
  readonly ok: boolean;
  readonly ms: number;
  readonly result?: unknown;
  readonly error?: string;
}

export type SyncJobs = Record<SyncJobName, () => Promise<JobOutcome>>;

export interface SyncJobDeps {
  readonly vehicleId: string;
  readonly settings: Pick<SyncConfig, 'retention_days'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly records: Pick<RecordStore, 'purgeUploaded'>;
  readonly list: { info(): ListInfo };
  /** Database files to checkpoint (records.sqlite, list.sqlite). */
  readonly databases: readonly string[];
  readonly uploader?: { uploadNow(): void } | null;
  readonly client?: Pick<MqttClient, 'connected' | 'publish'> | null;
  /**
   * The nightly full check against the latest snapshot, by the list sync when it is wired in.
   * Without it the job asks the depot for a snapshot when the bus has no depot list or an
   * expired one (the cases a `resync` can name).
   */
  readonly onNightlyCheck?: (() => Promise<unknown> | unknown) | null;
}

const DAY_MS = 86_400_000;

export function createSyncJobs(deps: SyncJobDeps): SyncJobs {
  const log = deps.logger.child({ component: 'cron' });
  const guarded =
    (job: SyncJobName, quiet: boolean, fn: () => Promise<unknown> | unknown) =>
    async (): Promise<JobOutcome> => {
      const started = performance.now();
      try {
        const result = await fn();
        const ms = Math.round(performance.now() - started);
        if (quiet) log.debug({ job, ms, result }, 'job done');
        else log.info({ job, ms, result }, 'job done');
        return { job, ok: true, ms, result };
      } catch (err) {
        const ms = Math.round(performance.now() - started);
        const error = (err as Error)?.message ?? String(err);
        log.error({ job, ms, err: error }, 'job failed');
        return { job, ok: false, ms, error };
      }
    };

  return {
    nightly_check: guarded('nightly_check', false, () =>
      deps.onNightlyCheck ? deps.onNightlyCheck() : requestSnapshotIfNeeded(deps),
    ),
    // Every few seconds: debug only, the uploader logs what matters.
    upload: guarded('upload', true, () => {
      if (!deps.uploader) return 'no uploader';
      deps.uploader.uploadNow();
      return 'offered';
    }),
    wal_checkpoint: guarded('wal_checkpoint', false, () => {
      const results: CheckpointResult[] = [];
      for (const path of deps.databases) {
        const r = checkpointDbFile(path);
        if (r) results.push(r);
      }
      return results;
    }),
    purge: guarded('purge', false, () => ({
      purged: deps.records.purgeUploaded(deps.settings.retention_days * DAY_MS),
    })),
  };
}

async function requestSnapshotIfNeeded(deps: SyncJobDeps): Promise<unknown> {
  const info = deps.list.info();
  const now = deps.clock.now();
  const depotList = info.source === 'sync' && info.version !== null;
  const expired = info.expiresAt !== null && Date.parse(info.expiresAt) <= now;
  if (depotList && !expired) return { resync: false, list_version: info.version };
  const client = deps.client;
  if (!client?.connected) throw new Error('no broker connection to ask the depot for a snapshot');
  const resync: Resync = {
    type: 'resync',
    vehicle: deps.vehicleId,
    have_version: depotList ? info.version : null,
    reason: depotList ? 'expired' : 'no_list',
    at: new Date(now).toISOString(),
  };
  await new Promise<void>((resolve, reject) => {
    // A cut after the publish would leave the PUBACK pending until a reconnect; the job ends anyway.
    const timer = setTimeout(() => reject(new Error('resync not acknowledged by the broker')), 10_000);
    client.publish(topics.resync(deps.vehicleId), encodeResync(resync), { qos: 1 }, (err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
  return { resync: true, reason: resync.reason, have_version: resync.have_version };
}
