/**
 * The pieces of the bus's list sync (list-sync.ts) and what flows between them. The state machine
 * (list-sync-core.ts) decides; a ListTarget (list-store-target.ts) writes; effects carry decisions
 * out (to MQTT and the daemon). Nothing here knows whether it runs in a worker thread.
 */
import type { Pass } from '../../device/domain/pass.js';
import type { ListInfo, PassChangeCounts } from '../../device/store/types.js';
import type { SyncRejectionCode } from '../rejection.js';
import type { SanityOptions } from '../sanity.js';
import type { Delta } from '../schemas/delta.js';
import type { Manifest } from '../schemas/manifest.js';
import type { RESYNC_REASONS } from '../schemas/resync.js';
import type { ChunkSource } from '../snapshot-unpack.js';

export type ResyncReason = (typeof RESYNC_REASONS)[number];

export interface ListSyncSettings {
  /** How long deltas that arrived ahead of a missing one wait for it before the gap is called. */
  readonly gapWaitMs: number;
  /** While a gap or a refused snapshot stays unresolved, a resync is asked again this often. */
  readonly resyncEveryMs: number;
  /** Requested snapshot chunks that do not come for this long are asked for again. */
  readonly chunkTimeoutMs: number;
  /** Chunks asked for ahead of the one being staged (list-snapshot-download.ts). */
  readonly chunkWindow: number;
  /** Fetches of missing chunks before the snapshot is given up (and a resync asked). */
  readonly chunkRetries: number;
  /** Verified future deltas held while waiting for a missing one or for a snapshot. */
  readonly maxPendingDeltas: number;
  /**
   * After a (re)connect, once list traffic has been quiet for `gapWaitMs`, the bus looks for the
   * retained delta this many versions ahead of its list: a broker whose queue for the bus
   * overflowed while it was away delivers the oldest deltas only, and this is how the bus learns
   * that newer ones exist (then the gap logic asks for a snapshot).
   */
  readonly probeAhead: number;
  /** Snapshot entries staged between two turns of the event loop. */
  readonly snapshotBatch: number;
  /** The bus's own sanity check (sync/sanity.ts) of what a new list would drop. */
  readonly sanity: SanityOptions;
}

export const DEFAULT_LIST_SYNC_SETTINGS: ListSyncSettings = {
  gapWaitMs: 2_000,
  resyncEveryMs: 60_000,
  chunkTimeoutMs: 30_000,
  chunkWindow: 4,
  chunkRetries: 3,
  maxPendingDeltas: 256,
  probeAhead: 32,
  snapshotBatch: 2_000,
  sanity: {},
};

/** The list in force and how it changes. */
export interface ListTarget {
  info(): ListInfo;
  /** One transaction: the changes, the version and the expiry. */
  applyDelta(delta: Delta, upserts: readonly Pass[]): PassChangeCounts;
  /**
   * Stages every entry, then commits with the manifest's version and expiry, or changes nothing
   * (throws SyncRejection for a bad snapshot, SnapshotCanceled when `canceled()` turned true).
   */
  applySnapshot(manifest: Manifest, chunks: ChunkSource, ctx: SnapshotApplyContext): Promise<SnapshotResult>;
}

export interface SnapshotResult {
  readonly counts: PassChangeCounts;
  /** Written as the difference to the list in force, or staged whole and swapped in. */
  readonly method: 'difference' | 'replacement';
}

export interface SnapshotApplyContext {
  /** Epoch ms the expiry is judged at. */
  readonly now: number;
  readonly canceled: () => boolean;
  readonly batchSize: number;
}

export class SnapshotCanceled extends Error {
  override readonly name = 'SnapshotCanceled';
}

export interface ListApplied {
  readonly kind: 'delta' | 'snapshot';
  /** How a snapshot was written (null for a delta). */
  readonly method: SnapshotResult['method'] | null;
  readonly version: number;
  readonly expires_at: string | null;
  readonly applied_at: string | null;
  readonly counts: PassChangeCounts;
  readonly duration_ms: number;
  readonly info: ListInfo;
}

export interface ListRejected {
  readonly code: SyncRejectionCode;
  readonly message: string;
  readonly topic: string;
}

export type SyncPhase = 'idle' | 'downloading' | 'applying' | 'stopped';

/** Minimal structured logger (pino's call shape), so a worker can forward lines to the daemon's. */
export interface SyncLog {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** What the state machine asks of the outside world. */
export interface SyncEffects {
  subscribe(topics: readonly string[]): void;
  unsubscribe(topics: readonly string[]): void;
  resync(reason: ResyncReason, have: number | null): void;
  applied(event: ListApplied): void;
  rejected(event: ListRejected): void;
  phase(phase: SyncPhase): void;
  readonly log: SyncLog;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Real timers that never keep a process alive on their own. */
export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};
