/**
 * `list.sqlite`: the pass list, card changes and the network (DESIGN.md "Lists on vehicles").
 * Lookups by IDm are the hot path of every tap: one indexed prepared statement each for passes
 * and tombstones, nothing held in memory. Every write is one transaction and moves the list
 * version forward.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../hardware/ports/clock.js';
import type { CardChange, Pass } from '../domain/pass.js';
import { ChangeCounter } from './change-counter.js';
import { LIST_MIGRATIONS, META } from './list-schema.js';
import { type ListWriteOptions, nextListVersion, stampList } from './list-version.js';
import { type CountDelta, LivePassWriter } from './live-pass-writer.js';
import { MetaTable } from './meta-table.js';
import type { CompiledNetwork } from './network-data.js';
import { SqliteNetworkLookup } from './network-lookup.js';
import { type NetworkCounts, writeNetwork } from './network-writer.js';
import { PassReplacement } from './pass-replacement.js';
import { PASS_COLUMNS, type PassRow, type PassRowValues, rowToPass, rowValuesToPass } from './pass-row.js';
import { ReadSnapshot } from './read-snapshot.js';
import { type Db, type Durability, durabilityOf, migrate, openDb } from './sqlite.js';
import type { CardPasses, ListInfo, PassChangeCounts } from './types.js';
import { closeKeepingWal } from './wal-files.js';

export type { ListWriteOptions } from './list-version.js';

export interface ListStoreOptions {
  /** Stamps applied_at / imported_at; the system clock by default. */
  readonly clock?: Clock;
  /**
   * SQLite page cache in KiB; default 64 MiB, which holds the IDm index of a million passes
   * (~35 MB), so a lookup reads at most the row's page from the OS.
   */
  readonly cacheKiB?: number;
  /** Bytes to mmap (off by default: mapped pages count toward RSS); see device/store/sqlite.ts. */
  readonly mmapBytes?: number;
  /**
   * Reuse one read transaction for lookups for up to this many ms (0, the default: off). Halves
   * lookup time; commits of other connections show up that much later. See read-snapshot.ts.
   */
  readonly readSnapshotMs?: number;
}

/** One atomic change of the list (a sync delta, a replay `passes` event): one version step. */
export interface PassChanges {
  readonly upserts?: readonly Pass[];
  readonly removals?: readonly string[];
  /** Tombstones given as such (a delta's card_changes); moves in `upserts` are found anyway. */
  readonly cardChanges?: readonly CardChange[];
}

const systemClock: Clock = { now: () => Date.now() };

/** A row of the lookup: a pass, or a tombstone (kind and the other pass columns NULL). */
type LookupRow = Omit<PassRow, 'kind'> & { readonly kind: string | null };

export class ListStore {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #meta: MetaTable;
  readonly #byIdm: Database.Statement<[string, string], LookupRow>;
  readonly #live: LivePassWriter;
  #replacing: PassReplacement | null = null;
  readonly #snapshot: ReadSnapshot;
  /** The compiled network, read through prepared statements. */
  readonly network: SqliteNetworkLookup;

  private constructor(db: Db, clock: Clock, readSnapshotMs: number) {
    this.#db = db;
    this.#clock = clock;
    this.#snapshot = new ReadSnapshot(db, readSnapshotMs);
    this.#meta = new MetaTable(db);
    // One statement for passes and tombstones: each statement is a read transaction, and in WAL
    // mode that costs three syscalls (lock, unlock, stat) — most of a lookup's time (measured).
    // Tombstone rows are the ones with kind NULL (passes.kind is NOT NULL).
    this.#byIdm = db.prepare(
      `SELECT ${PASS_COLUMNS} FROM passes WHERE idm = ?
       UNION ALL
       SELECT pass_id, idm, NULL, NULL, NULL, NULL, NULL, valid_until, NULL, NULL, NULL FROM card_changes WHERE idm = ?`,
    );
    this.#live = new LivePassWriter(db);
    this.network = new SqliteNetworkLookup(db, this.#meta);
  }

  /** Opens (creating if needed) a list database; ':memory:' for one that lives with the process. */
  static open(path: string, opts: ListStoreOptions = {}): ListStore {
    const db = openDb(path, {
      synchronous: 'NORMAL',
      cacheKiB: opts.cacheKiB ?? 65_536,
      mmapBytes: opts.mmapBytes,
    });
    try {
      migrate(db, path, LIST_MIGRATIONS);
      return new ListStore(db, opts.clock ?? systemClock, opts.readSnapshotMs ?? 0);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    this.#snapshot.end();
    this.#replacing?.abort();
    // The -wal and -shm files stay, so the list can be read on a read-only mount (wal-files.ts).
    closeKeepingWal(this.#db);
  }

  /** Journal mode and sync level of this connection (expected: wal, NORMAL). */
  durability(): Durability {
    return durabilityOf(this.#db);
  }

  /** The passes on this IDm and the tombstones of passes that moved away from it. */
  lookup(idm: string): CardPasses {
    this.#snapshot.enter();
    const key = idm.toLowerCase();
    const passes: Pass[] = [];
    const changes: CardChange[] = [];
    for (const row of this.#byIdm.all(key, key)) {
      if (row.kind === null)
        changes.push({ idm: row.idm, pass_id: row.pass_id, valid_until: row.valid_until });
      else passes.push(rowToPass(row as PassRow));
    }
    return { passes, changes };
  }

  /**
   * Starts a full replacement, all or nothing at commit (other writes on this store are refused
   * meanwhile). Feed it with add(), e.g. from readSalesExport. A depot list (`source: 'sync'`: the
   * list sync, which writes its nightly difference itself, and the depot) is staged in the list
   * inside one write transaction; a local import is staged apart and written at commit as the
   * difference or whole, whichever is smaller (pass-replacement.ts).
   */
  beginReplacement(opts: ListWriteOptions = {}): PassReplacement {
    this.#assertNotReplacing();
    this.#snapshot.end();
    const r = new PassReplacement(
      this.#db,
      this.#meta,
      opts,
      () => this.#clock.now(),
      () => {
        this.#replacing = null;
      },
      opts.source === 'sync' ? 'in-list' : 'apart',
    );
    this.#replacing = r;
    return r;
  }

  /** Replaces the whole list with `passes` (a duplicate pass_id refuses all of it). */
  replacePasses(passes: Iterable<Pass>, opts: ListWriteOptions = {}): PassChangeCounts {
    const r = this.beginReplacement(opts);
    try {
      let index = 0;
      for (const pass of passes) {
        index++;
        if (r.add(pass, index) !== null)
          throw new Error(`duplicate pass_id "${pass.pass_id}" (row ${index})`);
      }
      return r.commit();
    } finally {
      r.abort();
    }
  }

  /** Upserts whole rows by pass_id, removes by id, stores given tombstones: one transaction, one version. */
  applyChanges(changes: PassChanges, opts: ListWriteOptions = {}): PassChangeCounts {
    this.#assertNotReplacing();
    this.#snapshot.end();
    const counter = new ChangeCounter();
    const run = this.#db.transaction(() => {
      const version = nextListVersion(this.#meta, opts);
      const delta: CountDelta = { count: 0, active: 0 };
      for (const pass of changes.upserts ?? []) this.#live.upsert(pass, counter, delta);
      for (const id of changes.removals ?? []) this.#live.remove(id, counter, delta);
      for (const change of changes.cardChanges ?? []) this.#live.tombstones.put(change);
      this.#meta.set(META.passCount, (this.#meta.getInt(META.passCount) ?? 0) + delta.count);
      this.#meta.set(META.passActive, (this.#meta.getInt(META.passActive) ?? 0) + delta.active);
      stampList(this.#meta, version, opts, this.#clock.now());
    });
    run.immediate();
    return counter.result();
  }

  upsertPasses(passes: readonly Pass[], opts: ListWriteOptions = {}): PassChangeCounts {
    return this.applyChanges({ upserts: passes }, opts);
  }

  /** Removes passes (and their tombstones); unknown ids count as unchanged. */
  removePasses(passIds: readonly string[], opts: ListWriteOptions = {}): PassChangeCounts {
    return this.applyChanges({ removals: passIds }, opts);
  }

  /** Every pass, by pass_id (the depot builds snapshots from it). Do not write while iterating. */
  *allPasses(): IterableIterator<Pass> {
    const stmt = this.#db.prepare<[], PassRow>(`SELECT ${PASS_COLUMNS} FROM passes ORDER BY pass_id`);
    for (const row of stmt.iterate()) yield rowToPass(row);
  }

  /**
   * Every pass in pass_id order like allPasses(), read a page at a time as raw rows, with each
   * distinct `operators` text parsed once: the depot packs a million passes into a snapshot in
   * less than half the time (measured: 1.5 s of reading instead of 3.7 s). Do not write while
   * iterating.
   */
  *passesByPage(pageSize = 10_000): IterableIterator<Pass> {
    const operators = new Map<string, string[]>();
    for (const rows of this.passRowPages(pageSize)) {
      for (const r of rows) {
        let ops = operators.get(r[5]);
        if (!ops) {
          ops = JSON.parse(r[5]) as string[];
          operators.set(r[5], ops);
        }
        yield rowValuesToPass(r, ops);
      }
    }
  }

  /**
   * The passes in pass_id order as pages of raw column values (PASS_COLUMNS order; `operators`
   * as its JSON text): the cheapest full read, for comparing a depot snapshot with the list in
   * force. Each page is its own read; do not write while iterating.
   */
  *passRowPages(pageSize = 10_000): IterableIterator<readonly PassRowValues[]> {
    const page = this.#db
      .prepare<[string, number], unknown[]>(
        `SELECT ${PASS_COLUMNS} FROM passes WHERE pass_id > ? ORDER BY pass_id LIMIT ?`,
      )
      .raw(true);
    let after = ''; // pass_id is never empty
    for (;;) {
      const rows = page.all(after, pageSize) as PassRowValues[];
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]![0];
    }
  }

  allCardChanges(): CardChange[] {
    return this.#db
      .prepare<[], CardChange>('SELECT idm, pass_id, valid_until FROM card_changes ORDER BY pass_id, idm')
      .all();
  }

  info(): ListInfo {
    const m = this.#meta;
    const source = m.get(META.listSource);
    const changes = this.#db.prepare('SELECT count(*) AS n FROM card_changes').get() as { n: number };
    return {
      version: m.getInt(META.listVersion),
      count: m.getInt(META.passCount) ?? 0,
      active: m.getInt(META.passActive) ?? 0,
      changes: changes.n,
      appliedAt: m.get(META.listAppliedAt),
      expiresAt: m.get(META.listExpiresAt),
      source: source === 'import' || source === 'sync' ? source : null,
    };
  }

  /** Replaces the network in one transaction. */
  replaceNetwork(net: CompiledNetwork): NetworkCounts {
    this.#assertNotReplacing();
    this.#snapshot.end();
    return writeNetwork(this.#db, this.#meta, net, this.#clock.now());
  }

  #assertNotReplacing(): void {
    if (this.#replacing) throw new Error('a pass-list replacement is in progress on this store');
  }
}
