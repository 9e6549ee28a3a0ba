/**
 * The list sync's writes, on a ListStore. A delta: one transaction (ListStore.applyChanges). A
 * snapshot, one of two ways, both whole or not at all:
 * - as a difference (list-snapshot-diff.ts) when the bus already holds a list of about that size:
 *   only the passes that differ are written, in one transaction;
 * - otherwise staged whole through a PassReplacement beside the live table and swapped in at
 *   commit (a first list, a list that changed beyond recognition).
 * Either way the depot's version and expiry are stamped in the same transaction, so the version
 * the bus reports is always that of the list it decides with. In the daemon this runs in the
 * list-sync worker, on its own connection to the same WAL file: taps keep reading the old list
 * on the main thread until the commit.
 */
import type { Pass } from '../../device/domain/pass.js';
import type { ListStore } from '../../device/store/list-store.js';
import type { ListInfo, PassChangeCounts } from '../../device/store/types.js';
import { SyncRejection } from '../rejection.js';
import type { Delta } from '../schemas/delta.js';
import type { Manifest } from '../schemas/manifest.js';
import { type ChunkSource, type RowParser, unpackSnapshot } from '../snapshot-unpack.js';
import { SnapshotRowParser } from './list-row-parser.js';
import { DiffNotUsable, diffSnapshot } from './list-snapshot-diff.js';
import {
  type ListTarget,
  type SnapshotApplyContext,
  SnapshotCanceled,
  type SnapshotResult,
} from './list-sync-types.js';

export class StoreListTarget implements ListTarget {
  readonly #store: ListStore;
  readonly #parseRow: RowParser<Pass> | null;
  readonly #difference: boolean;
  readonly #inflateHere: boolean;

  /**
   * `parseRow`: by default the sales-row schema, remembered per snapshot (list-row-parser.ts).
   * `difference: false` always stages snapshots whole (tests compare the two ways).
   * `inflateOnThisThread`: decompress chunks on the calling thread, not the libuv pool (the
   * list-sync worker, which runs at a low priority; see UnpackOptions).
   */
  constructor(
    store: ListStore,
    o: { parseRow?: RowParser<Pass>; difference?: boolean; inflateOnThisThread?: boolean } = {},
  ) {
    this.#store = store;
    this.#parseRow = o.parseRow ?? null;
    this.#difference = o.difference ?? true;
    this.#inflateHere = o.inflateOnThisThread ?? false;
  }

  info(): ListInfo {
    return this.#store.info();
  }

  applyDelta(delta: Delta, upserts: readonly Pass[]): PassChangeCounts {
    return this.#store.applyChanges(
      { upserts, removals: delta.removals, cardChanges: delta.card_changes },
      { version: delta.to_version, source: 'sync', expiresAt: delta.expires_at },
    );
  }

  async applySnapshot(
    manifest: Manifest,
    chunks: ChunkSource,
    ctx: SnapshotApplyContext,
  ): Promise<SnapshotResult> {
    const parseRow = this.#parseRow ?? new SnapshotRowParser().parse;
    const before = this.#store.info();
    if (this.#difference && before.count > 0 && before.count >= manifest.passes / 2) {
      try {
        return {
          counts: await this.#applyDifference(manifest, chunks, ctx, parseRow, before),
          method: 'difference',
        };
      } catch (err) {
        if (!(err instanceof DiffNotUsable)) throw err;
      }
    }
    return {
      counts: await this.#replace(manifest, chunks, ctx, parseRow, isRecheck(before, manifest)),
      method: 'replacement',
    };
  }

  async #applyDifference(
    manifest: Manifest,
    chunks: ChunkSource,
    ctx: SnapshotApplyContext,
    parseRow: RowParser<Pass>,
    before: ListInfo,
  ): Promise<PassChangeCounts> {
    // A difference this large is written faster by the whole replacement.
    const maxChanges = Math.max(50_000, Math.floor(manifest.passes / 4));
    const diff = await diffSnapshot(this.#store, manifest, chunks, ctx, {
      parseRow,
      maxChanges,
      inflateOnThisThread: this.#inflateHere,
    });
    if (diff.total !== manifest.passes) {
      throw new SyncRejection(
        'malformed',
        `snapshot ${manifest.version}: ${diff.total} passes, manifest says ${manifest.passes}`,
      );
    }
    if (ctx.canceled()) throw new SnapshotCanceled(`snapshot ${manifest.version} canceled`);
    // The list was read outside a transaction: a local import meanwhile makes the difference stale.
    const now = this.#store.info();
    if (now.version !== before.version || now.appliedAt !== before.appliedAt) {
      throw new DiffNotUsable('the list in force changed while the snapshot was compared');
    }
    const written = this.#store.applyChanges(
      { upserts: diff.upserts, removals: diff.removals, cardChanges: diff.cardChanges },
      {
        version: manifest.version,
        source: 'sync',
        expiresAt: manifest.expires_at,
        rebase: true,
        recheck: isRecheck(before, manifest),
      },
    );
    return {
      total: diff.total,
      added: diff.added,
      updated: diff.updated,
      removed: written.removed,
      unchanged: diff.unchanged,
      cardChanges: written.cardChanges,
      byStatus: diff.byStatus,
    };
  }

  async #replace(
    manifest: Manifest,
    chunks: ChunkSource,
    ctx: SnapshotApplyContext,
    parseRow: RowParser<Pass>,
    recheck: boolean,
  ): Promise<PassChangeCounts> {
    // rebase: the first depot snapshot replaces a locally imported list whatever its number.
    const r = this.#store.beginReplacement({
      version: manifest.version,
      source: 'sync',
      expiresAt: manifest.expires_at,
      rebase: true,
      recheck,
    });
    try {
      let passes = 0;
      const staged: Pass[] = [];
      for await (const batch of unpackSnapshot(manifest, chunks, {
        now: ctx.now,
        parseRow,
        batchSize: ctx.batchSize,
        inflateOnThisThread: this.#inflateHere,
      })) {
        if (ctx.canceled()) throw new SnapshotCanceled(`snapshot ${manifest.version} canceled`);
        staged.length = 0;
        for (const entry of batch) {
          if ('card_change' in entry) r.addCardChange(entry.card_change);
          else staged.push(entry.pass);
        }
        const duplicate = r.addBulk(staged, passes + 1);
        if (duplicate >= 0) {
          throw new SyncRejection(
            'malformed',
            `snapshot ${manifest.version}: pass ${staged[duplicate]?.pass_id} appears twice`,
          );
        }
        passes += staged.length;
      }
      if (ctx.canceled()) throw new SnapshotCanceled(`snapshot ${manifest.version} canceled`);
      if (passes !== manifest.passes) {
        throw new SyncRejection(
          'malformed',
          `snapshot ${manifest.version}: ${passes} passes, manifest says ${manifest.passes}`,
        );
      }
      return r.commit();
    } finally {
      r.abort();
    }
  }
}

/** The nightly full check: the depot's snapshot of the very version in force, applied again. */
function isRecheck(before: ListInfo, manifest: Manifest): boolean {
  return before.source === 'sync' && before.version === manifest.version;
}
