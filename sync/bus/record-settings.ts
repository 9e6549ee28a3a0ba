/** What the record uploader is given and what it reports (record-uploader.ts). */
import type { MqttClient } from 'mqtt';
import type { SyncConfig } from '../../device/config/schema.js';
import type { Logger } from '../../device/log/logger.js';
import type { RecordStore } from '../../device/store/record-store.js';
import type { Clock } from '../../hardware/ports/clock.js';

export interface UploaderSettings {
  /** Records per batch, at most LIMITS.recordsPerBatch. */
  readonly batchSize: number;
  /** Unacknowledged batches at most. */
  readonly window: number;
  /** First ack timeout; doubled while no ack comes, up to 32 times this. */
  readonly ackTimeoutMs: number;
  /** How long a range the depot refused is held back before it is offered again. */
  readonly rejectHoldMs?: number;
}

export function uploaderSettings(sync: SyncConfig): UploaderSettings {
  return { batchSize: sync.batch_size, window: sync.upload_window, ackTimeoutMs: sync.ack_timeout_s * 1000 };
}

export type UploaderClient = Pick<
  MqttClient,
  'connected' | 'publish' | 'subscribe' | 'on' | 'removeListener'
>;
export type UploaderStore = Pick<
  RecordStore,
  'vehicleId' | 'pendingAfter' | 'markUploadedRange' | 'pendingCount'
>;

export interface RecordUploaderDeps {
  readonly client: UploaderClient;
  readonly store: UploaderStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: UploaderSettings;
}

export interface UploaderStats {
  readonly connected: boolean;
  readonly pending: number;
  readonly in_flight: number;
  readonly sent_batches: number;
  readonly sent_records: number;
  readonly resent_batches: number;
  readonly acked_batches: number;
  readonly acked_records: number;
  readonly rejected_batches: number;
  /** Acks naming no batch in flight: ignored, their records offered again (issue 7). */
  readonly unknown_acks: number;
  /** Records that cannot be put on the wire (kept, never deleted; see the error log). */
  readonly unsendable: number;
  readonly last_ack_at: string | null;
  readonly last_error: string | null;
}
