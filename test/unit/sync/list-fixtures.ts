/**
 * Signed list messages for the list-sync tests: snapshots and deltas made the way the depot makes
 * them (packSnapshotToMemory, encodeManifest, encodeDelta), unsigned ones for the schema and
 * hostile-input tests, plus a recorder of SyncEffects and timers that move only when told.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Pass } from '../../../device/domain/pass.js';
import type {
  ListApplied,
  ListRejected,
  ResyncReason,
  SyncEffects,
  SyncPhase,
  Timers,
} from '../../../sync/bus/list-sync-types.js';
import { encodeDelta, encodeManifest } from '../../../sync/messages.js';
import type { Delta } from '../../../sync/schemas/delta.js';
import type { SnapshotEntry, WireRow } from '../../../sync/schemas/entries.js';
import type { Compression, Manifest } from '../../../sync/schemas/manifest.js';
import { packSnapshotToMemory } from '../../../sync/snapshot.js';
import { DAY, NOW, passRow } from './fixtures.js';

export function depotKey(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export interface SignedSnapshot {
  readonly manifest: Manifest;
  readonly signed: Buffer;
  readonly chunks: Buffer[];
}

export async function signedSnapshot(
  key: KeyObject,
  version: number,
  rows: readonly WireRow[],
  o: { now: number; expiresIn?: number; changes?: SnapshotEntry[]; chunkBytes?: number },
): Promise<SignedSnapshot> {
  const entries: SnapshotEntry[] = [...rows.map((pass) => ({ pass })), ...(o.changes ?? [])];
  const { manifest, chunks } = await packSnapshotToMemory(entries, {
    version,
    createdAt: o.now - 60_000,
    expiresAt: o.now + (o.expiresIn ?? 2 * DAY),
    networkVersion: 'gtfs-test',
    targetChunkBytes: o.chunkBytes ?? 4 * 1024,
  });
  return { manifest, chunks, signed: encodeManifest(manifest, key) };
}

export interface DeltaOptions {
  now: number;
  upserts?: readonly (WireRow | Pass)[];
  removals?: string[];
  cardChanges?: Delta['card_changes'];
  expiresIn?: number;
}

/** The delta from `from` to `from + 1`, unsigned: signPayload it to sign what encodeDelta would refuse. */
export function deltaBody(from: number, o: DeltaOptions): Delta {
  return {
    type: 'delta',
    from_version: from,
    to_version: from + 1,
    created_at: new Date(o.now - 60_000).toISOString(),
    expires_at: new Date(o.now + (o.expiresIn ?? 2 * DAY)).toISOString(),
    network_version: 'gtfs-test',
    upserts: (o.upserts ?? []).map((r) => ({ ...r })),
    removals: o.removals ?? [],
    card_changes: o.cardChanges ?? [],
  };
}

export function signedDelta(key: KeyObject, from: number, o: DeltaOptions): Buffer {
  return encodeDelta(deltaBody(from, o), key);
}

/**
 * A manifest for one chunk of `chunk`'s bytes, hashed right, claiming it inflates to `rawBytes`:
 * for chunks the packer would never make (bombs, corrupt or oversized claims).
 */
export function oneChunkManifest(
  chunk: Uint8Array,
  rawBytes: number,
  compression: Compression = 'gzip',
): Manifest {
  return {
    type: 'manifest',
    version: 3,
    created_at: new Date(NOW - 60_000).toISOString(),
    expires_at: new Date(NOW + DAY).toISOString(),
    network_version: null,
    format: 'jsonl',
    compression,
    chunk_count: 1,
    entries: 1,
    passes: 1,
    total_bytes: chunk.length,
    raw_bytes: rawBytes,
    sha256: '0'.repeat(64),
    chunks: [
      {
        sha256: createHash('sha256').update(chunk).digest('hex'),
        bytes: chunk.length,
        raw_bytes: rawBytes,
        entries: 1,
      },
    ],
  };
}

export const rows = (n: number, from = 0): WireRow[] =>
  Array.from({ length: n }, (_, i) => passRow(from + i));

/** SyncEffects that remember everything. */
export class RecordedEffects implements SyncEffects {
  readonly subscribed: string[][] = [];
  readonly unsubscribed: string[][] = [];
  readonly resyncs: { reason: ResyncReason; have: number | null }[] = [];
  readonly appliedEvents: ListApplied[] = [];
  readonly rejections: ListRejected[] = [];
  readonly phases: SyncPhase[] = [];
  readonly lines: { level: string; msg: string; fields: object }[] = [];
  readonly log = {
    debug: (fields: object, msg: string) => this.lines.push({ level: 'debug', msg, fields }),
    info: (fields: object, msg: string) => this.lines.push({ level: 'info', msg, fields }),
    warn: (fields: object, msg: string) => this.lines.push({ level: 'warn', msg, fields }),
    error: (fields: object, msg: string) => this.lines.push({ level: 'error', msg, fields }),
  };
  subscribe(topics: readonly string[]): void {
    this.subscribed.push([...topics]);
  }
  unsubscribe(topics: readonly string[]): void {
    this.unsubscribed.push([...topics]);
  }
  resync(reason: ResyncReason, have: number | null): void {
    this.resyncs.push({ reason, have });
  }
  applied(event: ListApplied): void {
    this.appliedEvents.push(event);
  }
  rejected(event: ListRejected): void {
    this.rejections.push(event);
  }
  phase(phase: SyncPhase): void {
    this.phases.push(phase);
  }
  codes(): string[] {
    return this.rejections.map((r) => r.code);
  }
}

/** Timers that fire only on advance(ms). */
export class ManualTimers implements Timers {
  #now = 0;
  #next = 1;
  readonly #due = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#due.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.#due.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const first = [...this.#due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!first || first[1].at > until) break;
      this.#due.delete(first[0]);
      this.#now = first[1].at;
      first[1].fn();
    }
    this.#now = until;
  }
  get pending(): number {
    return this.#due.size;
  }
}
