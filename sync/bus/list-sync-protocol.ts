/**
 * Messages between ListSync (main thread, owns the MQTT client) and its worker (owns the state
 * machine and a SQLite connection). Both ends are this codebase, built together; the payloads are
 * structured clones, so only data crosses (keys as PEM text, times as epoch ms).
 */
import type { ListInfo } from '../../device/store/types.js';
import type {
  ListApplied,
  ListRejected,
  ListSyncSettings,
  ResyncReason,
  SyncPhase,
} from './list-sync-types.js';

export interface WorkerInit {
  readonly listPath: string;
  /** PEM or base64 SPKI, as in config `trust.depot_public_keys`. */
  readonly pinnedKeys: readonly string[];
  readonly settings: ListSyncSettings;
  /** The daemon clock when the worker was made (the worker's clock runs on from it). */
  readonly now: number;
  readonly cacheKiB: number;
}

export type ToWorker =
  | {
      readonly type: 'message';
      readonly topic: string;
      readonly payload: Uint8Array;
      readonly retain: boolean;
      readonly now: number;
    }
  | { readonly type: 'connected'; readonly now: number }
  /** The nightly full check: compare the list with the retained snapshot of its own version. */
  | { readonly type: 'check'; readonly now: number }
  | { readonly type: 'stop' };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type FromWorker =
  | { readonly type: 'ready'; readonly info: ListInfo }
  | { readonly type: 'subscribe'; readonly topics: readonly string[] }
  | { readonly type: 'unsubscribe'; readonly topics: readonly string[] }
  | { readonly type: 'resync'; readonly reason: ResyncReason; readonly have: number | null }
  | { readonly type: 'applied'; readonly event: ListApplied }
  | { readonly type: 'rejected'; readonly event: ListRejected }
  | { readonly type: 'phase'; readonly phase: SyncPhase }
  | { readonly type: 'log'; readonly level: LogLevel; readonly fields: object; readonly msg: string }
  | { readonly type: 'stopped' };
