/**
 * A full replacement of the pass list, fed row by row (possibly across awaits, from a streaming
 * reader), applied all or nothing at commit: a process killed at any moment leaves the old list.
 * Two ways to stage the rows (ListStore.beginReplacement picks):
 * - 'in-list' (the list sync's whole snapshots, the depot): inside ONE explicit transaction on the
 *   list, into a table `passes_next` beside the live one, swapped in by rename at commit. Lookups
 *   on this same connection keep seeing the old list while a million rows stream in.
 * - 'apart' (local imports, issue 12): into the connection's temp database (a temp file SQLite
 *   never syncs), holding no lock on the list and writing nothing to its file while the export is
 *   read. At commit, in one short write transaction, the staged list is compared with the list in
 *   force and written like the list sync writes a snapshot (sync/bus/list-store-target.ts): as the
 *   difference when the bus already holds about that list (the nightly export: a few thousand
 *   rows to write instead of the whole table, so the commit and the checkpoint after it are small
 *   and the daemon's record commits do not queue behind a flush of the whole list), else whole,
 *   staged into `passes_next` and swapped in as above.
 */
import type Database from 'better-sqlite3';
import type { CardChange, Pass } from '../domain/pass.js';
import { ChangeCounter } from './change-counter.js';
import { META } from './list-schema.js';
import { type ListWriteOptions, nextListVersion, stampList } from './list-version.js';
import type { MetaTable } from './meta-table.js';
import { PASS_COLUMNS, PASS_VALUES, type PassParams, type PassRow, passParams, sameRow } from './pass-row.js';
import type { Db } from './sqlite.js';
import { APART, IN_LIST, type StagedChanges, StagedList } from './staged-list.js';
import type { PassChangeCounts } from './types.js';

export type { StagedChanges } from './staged-list.js';

export type Staging = 'in-list' | 'apart';

export class PassReplacement {
  readonly #db: Db;
  readonly #meta: MetaTable;
  readonly #opts: ListWriteOptions;
  readonly #now: () => number;
  readonly #onEnd: () => void;
  readonly #staging: Staging;
  readonly #staged: StagedList;
  /** 'in-list': fixed at the start, under the write lock; 'apart': at commit. */
  #version = 0;
  #oldCount = 0;
  readonly #counter = new ChangeCounter();
  #matched = 0;
  #active = 0;
  #open = true;
  /** Rows came through addBulk(): compared with the list in force at commit, by one join. */
  #bulk = false;
  #bulkInsert: Database.Statement<unknown[]> | null = null;
  readonly #operatorsJson = new WeakMap<readonly string[], string>();
  readonly #insert: Database.Statement<[PassParams]>;
  readonly #lineOf: Database.Statement<[string], { source_line: number | null }>;
  readonly #current: Database.Statement<[string], PassRow> | null = null;
  readonly #move: Database.Statement<[string, string | null, string, string]>;

  /**
   * Use ListStore.beginReplacement(). 'in-list' starts the transaction (waits for the write lock);
   * 'apart' takes no lock until commit.
   */
  constructor(
    db: Db,
    meta: MetaTable,
    opts: ListWriteOptions,
    now: () => number,
    onEnd: () => void,
    staging: Staging = 'in-list',
  ) {
    this.#db = db;
    this.#meta = meta;
    this.#opts = opts;
    this.#now = now;
    this.#onEnd = onEnd;
    this.#staging = staging;
    this.#staged = new StagedList(db, staging === 'apart' ? APART : IN_LIST);
    try {
      if (staging === 'in-list') {
        db.exec('BEGIN IMMEDIATE');
        this.#version = nextListVersion(meta, opts);
        this.#staged.create(this.#nextGeneration());
        this.#oldCount = this.#staged.countInForce();
        this.#current = db.prepare(`SELECT ${PASS_COLUMNS} FROM passes WHERE pass_id = ?`);
      } else this.#staged.create(0);
      const t = this.#staged.tables;
      this.#insert = db.prepare(
        `INSERT INTO ${t.staged} (${PASS_COLUMNS}, source_line) VALUES (${PASS_VALUES}, @source_line)
         ON CONFLICT DO NOTHING`,
      );
      this.#lineOf = db.prepare(`SELECT source_line FROM ${t.staged} WHERE pass_id = ?`);
      this.#move = db.prepare(
        `INSERT INTO ${t.moves} (old_idm, new_idm, pass_id, valid_until) VALUES (?, ?, ?, ?)`,
      );
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      this.#staged.drop();
      onEnd();
      throw err;
    }
  }

  /**
   * Stages one pass. Returns null when taken, or the line given for the earlier pass with the
   * same pass_id (0 when none was given), in which case nothing is staged.
   */
  add(pass: Pass, line: number | null = null): number | null {
    this.#assertOpen();
    if (this.#bulk) throw new Error('add() after addBulk() in one replacement');
    this.#stage();
    const params = passParams(pass, line);
    if (this.#insert.run(params).changes === 0) return this.#lineOf.get(pass.pass_id)?.source_line ?? 0;
    const c = this.#counter;
    c.total++;
    c.countStatus(pass.status);
    if (pass.status === 'active') this.#active++;
    // Apart: compared at commit, by one join. Into an empty list every pass is new.
    if (!this.#current) return null;
    const current = this.#oldCount === 0 ? undefined : this.#current.get(pass.pass_id);
    if (!current) {
      c.added++;
      return null;
    }
    this.#matched++;
    if (sameRow(current, params)) c.unchanged++;
    else c.updated++;
    if (current.idm !== pass.idm) {
      this.#move.run(current.idm, pass.idm, pass.pass_id, pass.valid_until);
      c.cardChanges++;
    }
    return null;
  }

  /**
   * Stages a batch of a list that arrives whole (a depot snapshot on the bus): positional inserts
   * and no query per row; the comparison with the list in force (counts, moved cards) is one join
   * at commit. A million rows stage several times faster than through add() (measured: 2.2 s of
   * inserts instead of 6 s, and 0.4 s of join instead of 3.5 s of lookups). Lines are numbered
   * from `firstLine`. Returns the index in `passes` of the first pass whose pass_id was already
   * staged (the caller refuses the list), or -1. Not to be mixed with add().
   */
  addBulk(passes: readonly Pass[], firstLine: number): number {
    this.#assertOpen();
    if (!this.#bulk && this.#counter.total > 0) throw new Error('addBulk() after add() in one replacement');
    this.#bulk = true;
    this.#stage();
    this.#bulkInsert ??= this.#db.prepare(
      `INSERT INTO ${this.#staged.tables.staged} (${PASS_COLUMNS}, source_line)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    const insert = this.#bulkInsert;
    const c = this.#counter;
    for (let i = 0; i < passes.length; i++) {
      const p = passes[i]!;
      let operators = this.#operatorsJson.get(p.operators);
      if (operators === undefined) {
        operators = JSON.stringify(p.operators);
        this.#operatorsJson.set(p.operators, operators);
      }
      const changes = insert.run(
        p.pass_id,
        p.idm,
        p.card_number,
        p.kind,
        p.issuer,
        operators,
        p.valid_from,
        p.valid_until,
        p.fare_limit,
        p.area,
        p.status,
        firstLine + i,
      ).changes;
      if (changes === 0) return i;
      c.total++;
      c.countStatus(p.status);
      if (p.status === 'active') this.#active++;
    }
    return -1;
  }

  /** Stages a tombstone given as such (e.g. carried by a depot snapshot). */
  addCardChange(change: CardChange): void {
    this.#assertOpen();
    this.#stage();
    this.#move.run(change.idm, null, change.pass_id, change.valid_until);
  }

  /** Applies the staged list and ends the transaction. */
  commit(): PassChangeCounts {
    this.#assertOpen();
    const db = this.#db;
    try {
      if (this.#staging === 'apart') {
        if (db.inTransaction) db.exec('COMMIT'); // the staging transaction (temp database only)
        db.exec('BEGIN IMMEDIATE');
        this.#version = nextListVersion(this.#meta, this.#opts);
        this.#oldCount = this.#staged.countInForce();
      }
      if (this.#bulk || this.#staging === 'apart') this.#compare();
      const c = this.#counter;
      c.removed = this.#oldCount - this.#matched;
      if (this.#staging === 'apart' && differenceFits(this.#oldCount, c)) this.#staged.writeDifference();
      else {
        const generation = this.#nextGeneration();
        if (this.#staging === 'apart') this.#staged.copyIntoList(generation);
        this.#staged.swapIn(generation);
        this.#meta.set(META.passGeneration, generation);
      }
      this.#meta.set(META.passCount, c.total);
      this.#meta.set(META.passActive, this.#active);
      stampList(this.#meta, this.#version, this.#opts, this.#now());
      db.exec('COMMIT');
    } catch (err) {
      this.abort();
      throw err;
    }
    this.#end();
    return this.#counter.result();
  }

  /** Drops everything staged; the old list stays in force. Safe to call twice. */
  abort(): void {
    if (!this.#open) return;
    if (this.#db.open && this.#db.inTransaction) this.#db.exec('ROLLBACK');
    this.#end();
  }

  get rows(): number {
    return this.#counter.total;
  }

  /** What a commit now would report (`removed`: passes in force that no staged row matched). */
  pendingCounts(): PassChangeCounts {
    this.#assertOpen();
    if (!this.#bulk && this.#staging === 'in-list')
      return { ...this.#counter.result(), removed: this.#oldCount - this.#matched };
    // Compared now, read only: apart, outside the staging transaction (no snapshot of the list
    // is held while more rows come); the commit compares again under the write lock.
    if (this.#staging === 'apart' && this.#db.inTransaction) this.#db.exec('COMMIT');
    const oldCount = this.#staging === 'apart' ? this.#staged.countInForce() : this.#oldCount;
    const cmp = this.#staged.compare();
    const c = this.#counter.result();
    return {
      ...c,
      added: c.total - cmp.matched,
      updated: cmp.updated,
      unchanged: cmp.matched - cmp.updated,
      removed: oldCount - cmp.matched,
      cardChanges: c.cardChanges + cmp.moved,
    };
  }

  /**
   * The staged list's differences from the one in force, at most `limit` of each kind (the depot
   * builds a delta from them): new or changed rows, pass ids gone, and tombstones of the cards
   * passes moved away from. Call before commit; compare `pendingCounts()` with the limit first.
   */
  stagedChanges(limit: number): StagedChanges {
    this.#assertOpen();
    return this.#staged.changes(limit);
  }

  /** The comparison with the list in force, at commit: counts, and the cards passes moved from. */
  #compare(): void {
    const cmp = this.#staged.compare();
    const c = this.#counter;
    this.#matched = cmp.matched;
    c.updated = cmp.updated;
    c.unchanged = cmp.matched - cmp.updated;
    c.added = c.total - cmp.matched;
    c.cardChanges += this.#staged.recordMoves();
  }

  /**
   * Apart, rows go in through one transaction (one journal for all the inserts), which touches
   * the temp database only: no lock on, and no snapshot of, the list until commit.
   */
  #stage(): void {
    if (this.#staging === 'apart' && !this.#db.inTransaction) this.#db.exec('BEGIN');
  }

  #nextGeneration(): number {
    return (this.#meta.getInt(META.passGeneration) ?? 0) + 1;
  }

  #end(): void {
    this.#open = false;
    if (this.#staging === 'apart' && this.#db.open) this.#staged.drop();
    this.#onEnd();
  }

  #assertOpen(): void {
    if (!this.#open) throw new Error('this pass-list replacement has already ended');
  }
}

/**
 * Written as a difference when the bus holds about this list and few rows changed: the rule of
 * the list sync's snapshots (sync/bus/list-store-target.ts), where a larger difference is
 * written faster whole.
 */
function differenceFits(inForce: number, c: ChangeCounter): boolean {
  if (inForce === 0 || inForce < c.total / 2) return false;
  return c.added + c.updated + c.removed <= Math.max(50_000, Math.floor(c.total / 4));
}
