/**
 * A snapshot as a difference. Most snapshots a bus receives differ from its list in force by a few
 * thousand passes out of a million (a night's sales, refunds, card changes), so rather than
 * staging a million rows and rebuilding the table and its indexes, the bus walks the snapshot and
 * its own list side by side, both in pass_id order, and keeps only what differs; the changes are
 * then applied in one transaction that also stamps the version and expiry (ListStore
 * .applyChanges). A row identical to the stored one is valid (the store holds only rows that
 * passed the sales-row schema) and is not parsed again; every other row goes through the schema.
 *
 * Not for every snapshot: when the lists are not both in strictly increasing ASCII pass_id order
 * (the order SQLite and JavaScript agree on), or when the difference grows past `maxChanges`,
 * this throws DiffNotUsable and the caller stages the snapshot whole instead.
 */
import type { CardChange, Pass } from '../../device/domain/pass.js';
import type { ListStore } from '../../device/store/list-store.js';
import type { PassRowValues } from '../../device/store/pass-row.js';
import type { WireRow } from '../schemas/entries.js';
import type { Manifest } from '../schemas/manifest.js';
import { type ChunkSource, type RowParser, unpackSnapshot } from '../snapshot-unpack.js';
import { type SnapshotApplyContext, SnapshotCanceled } from './list-sync-types.js';

export class DiffNotUsable extends Error {
  override readonly name = 'DiffNotUsable';
}

export interface SnapshotDiff {
  readonly upserts: Pass[];
  readonly removals: string[];
  readonly cardChanges: CardChange[];
  readonly total: number;
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly byStatus: Record<string, number>;
}

const ASCII = /^[\x20-\x7e]*$/;

/** The wire row says exactly what the stored row says (canonical values, nothing to parse). */
function sameAsStored(row: WireRow, r: PassRowValues, operators: StoredOperators): boolean {
  return (
    row.idm === r[1] &&
    row.card_number === r[2] &&
    row.status === r[10] &&
    row.valid_until === r[7] &&
    row.valid_from === r[6] &&
    row.fare_limit === r[8] &&
    row.kind === r[3] &&
    row.issuer === r[4] &&
    row.area === r[9] &&
    operators.same(row.operators, r[5])
  );
}

/** Stored `operators` JSON texts, parsed once each, compared with a wire row's array. */
class StoredOperators {
  readonly #parsed = new Map<string, readonly unknown[]>();

  same(wire: unknown, text: string): boolean {
    let stored = this.#parsed.get(text);
    if (!stored) {
      stored = JSON.parse(text) as unknown[];
      this.#parsed.set(text, stored);
    }
    if (!Array.isArray(wire) || wire.length !== stored.length) return false;
    for (let i = 0; i < stored.length; i++) if (wire[i] !== stored[i]) return false;
    return true;
  }
}

/** The stored list, row by row over its pages. */
class StoredRows {
  readonly #pages: Iterator<readonly PassRowValues[]>;
  #page: readonly PassRowValues[] = [];
  #at = 0;
  current: PassRowValues | null = null;

  constructor(store: ListStore) {
    this.#pages = store.passRowPages()[Symbol.iterator]();
    this.next();
  }

  next(): void {
    if (++this.#at >= this.#page.length) {
      const n = this.#pages.next();
      this.#page = n.done ? [] : n.value;
      this.#at = 0;
    }
    const row = this.#page[this.#at] ?? null;
    if (row && !ASCII.test(row[0])) throw new DiffNotUsable('a stored pass_id is not plain ASCII');
    this.current = row;
  }
}

const changeKey = (c: CardChange) => `${c.idm} ${c.pass_id} ${c.valid_until}`;

export async function diffSnapshot(
  store: ListStore,
  manifest: Manifest,
  chunks: ChunkSource,
  ctx: SnapshotApplyContext,
  o: {
    readonly parseRow: RowParser<Pass>;
    readonly maxChanges: number;
    /** See UnpackOptions.inflateOnThisThread. */
    readonly inflateOnThisThread?: boolean;
  },
): Promise<SnapshotDiff> {
  const stored = new StoredRows(store);
  const operators = new StoredOperators();
  const known = new Set(store.allCardChanges().map(changeKey));
  const upserts: Pass[] = [];
  const removals: string[] = [];
  const cardChanges: CardChange[] = [];
  const byStatus: Record<string, number> = {};
  let total = 0;
  let added = 0;
  let updated = 0;
  let unchanged = 0;
  let previous = '';
  const tooMany = () => {
    if (upserts.length + removals.length > o.maxChanges) {
      throw new DiffNotUsable(`more than ${o.maxChanges} passes differ`);
    }
  };

  for await (const batch of unpackSnapshot(manifest, chunks, {
    now: ctx.now,
    batchSize: ctx.batchSize,
    inflateOnThisThread: o.inflateOnThisThread,
  })) {
    if (ctx.canceled()) throw new SnapshotCanceled(`snapshot ${manifest.version} canceled`);
    for (const entry of batch) {
      if ('card_change' in entry) {
        if (!known.has(changeKey(entry.card_change))) cardChanges.push(entry.card_change);
        continue;
      }
      const row = entry.pass;
      const id = row.pass_id;
      if (typeof id !== 'string' || id <= previous || !ASCII.test(id)) {
        throw new DiffNotUsable('snapshot pass_ids are not in strictly increasing ASCII order');
      }
      previous = id;
      total++;
      byStatus[String(row.status)] = (byStatus[String(row.status)] ?? 0) + 1;
      let cur = stored.current;
      while (cur && cur[0] < id) {
        removals.push(cur[0]);
        stored.next();
        cur = stored.current;
      }
      if (cur && cur[0] === id) {
        if (sameAsStored(row, cur, operators)) unchanged++;
        else {
          upserts.push(o.parseRow(row));
          updated++;
        }
        stored.next();
      } else {
        upserts.push(o.parseRow(row));
        added++;
      }
    }
    tooMany();
  }
  for (let cur = stored.current; cur; cur = stored.current) {
    removals.push(cur[0]);
    stored.next();
  }
  tooMany();
  return { upserts, removals, cardChanges, total, added, updated, unchanged, byStatus };
}
