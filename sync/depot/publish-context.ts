/**
 * What every depot publish needs, injected (STYLE.md 5): the state directory, a connected MQTT
 * client, the signing key, a clock, the settings, and optional progress and log sinks.
 */
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../../device/log/logger.js';
import type { Clock } from '../../hardware/ports/clock.js';
import type { SanityOptions } from '../sanity.js';
import type { Compression } from '../schemas/manifest.js';
import type { DepotState } from './depot-state.js';
import type { PublishClient } from './list-publisher.js';
import type { PublishKind } from './publish-log.js';

export interface PublishSettings {
  /** How long a published list stays in force on the buses (manifest and delta `expires_at`). */
  readonly expiresInMs: number;
  /** A snapshot goes out with every Nth delta, so a returning bus never needs many deltas. */
  readonly snapshotEvery: number;
  /** The active-pass drop guard (share and the list size below which it is off). */
  readonly sanity: SanityOptions;
  readonly compression: Compression;
}

export const DEFAULT_PUBLISH_SETTINGS: PublishSettings = {
  expiresInMs: 3 * 24 * 3600 * 1000,
  snapshotEvery: 50,
  sanity: { maxDropRatio: 0.5, minPassesToCheck: 1_000 },
  compression: 'gzip',
};

export type PublishStage = 'rows' | 'chunks' | 'clearing';

export interface PublishContext {
  readonly state: DepotState;
  readonly client: PublishClient;
  readonly privateKey: KeyObject;
  readonly clock: Clock;
  readonly settings: PublishSettings;
  /** Called now and then with how far a long stage has got (rows read, chunks acknowledged). */
  readonly onProgress?: (stage: PublishStage, done: number) => void;
  readonly logger?: Logger;
}

/** What `teiki depot publish` prints (one JSON object). */
export interface PublishSummary {
  readonly version: number;
  readonly previous_version: number | null;
  readonly kind: PublishKind;
  readonly reason: string;
  readonly created_at: string;
  readonly expires_at: string;
  readonly network_version: string | null;
  readonly network_changed: boolean;
  readonly passes: {
    readonly total: number;
    readonly active: number;
    readonly added: number;
    readonly updated: number;
    readonly removed: number;
    readonly unchanged: number;
    readonly card_changes: number;
    readonly by_status: Readonly<Record<string, number>>;
  };
  readonly delta: {
    readonly upserts: number;
    readonly removals: number;
    readonly card_changes: number;
    readonly bytes: number;
  } | null;
  readonly snapshot: {
    readonly chunks: number;
    readonly bytes: number;
    readonly raw_bytes: number;
    readonly entries: number;
    readonly sha256: string;
    readonly compression: Compression;
  } | null;
  readonly cleared: { readonly deltas: number; readonly chunk_sets: number };
  readonly warnings: readonly string[];
  readonly duration_ms: number;
}
