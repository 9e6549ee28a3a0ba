/**
 * Signed list messages for the list-sync tests: snapshots and deltas made the way the depot makes
 * them (packSnapshotToMemory, encodeManifest, encodeDelta), plus a recorder of SyncEffects and
 * timers that move only when told.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
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
import type { Manifest } from '../../../sync/schemas/manifest.js';
import { packSnapshotToMemory } from '../../../sync/snapshot.js';
import { DAY, passRow } from './fixtures.js';

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

export function signedDelta(
  key: KeyObject,
  from: number,
  o: {
    now: number;
    upserts?: readonly (WireRow | Pass)[];
    removals?: string[];
    cardChanges?: Delta['card_changes'];
    expiresIn?: number;
  },
): Buffer {
  return encodeDelta(
    {
      type: 'delta',
      from_version: from,
      to_version: from + 1,
      created_at: new Date(o.now - 60_000).toISOString(),
      expires_at: new Date(o.now + (o.expiresIn ?? 2 * DAY)).toISOString(),
      network_version: 'gtfs-test',
      upserts: (o.upserts ?? []).map((r) => ({ ...r })),
      removals: o.removals ?? [],
      card_changes: o.cardChanges ?? [],
    },
    key,
  );
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
