/**
 * A full replacement of the pass list, fed row by row (possibly across awaits, from a streaming
 * reader) inside ONE explicit transaction. Rows go to a staging table `passes_next`; the live
 * table is untouched until commit, which swaps the two by rename — so lookups on this same
 * connection keep seeing the old list while a million rows stream in, and a process killed at
 * any moment leaves the old list (the transaction never committed).
 */
import type Database from 'better-sqlite3';
import type { CardChange, Pass } from '../domain/pass.js';
import { ChangeCounter } from './change-counter.js';
import { META, passesIdmIndexSql, passesTableSql } from './list-schema.js';
import { type ListWriteOptions, nextListVersion, stampList } from './list-version.js';
import type { MetaTable } from './meta-table.js';
import {
  PASS_COLUMNS,
  PASS_VALUES,
  type PassParams,
  type PassRow,
  passParams,
  rowToPass,
  sameRow,
} from './pass-row.js';
import type { Db } from './sqlite.js';
import type { PassChangeCounts } from './types.js';

/** A staged replacement's differences from the list in force (PassReplacement.stagedChanges). */
export interface StagedChanges {
  readonly upserts: Pass[];
  readonly removals: string[];
  readonly cardChanges: CardChange[];
}

export class PassReplacement {
  readonly #db: Db;
  readonly #meta: MetaTable;
  readonly #opts: ListWriteOptions;
  readonly #now: () => number;
  readonly #onEnd: () => void;
  readonly #version: number;
  readonly #generation: number;
  readonly #oldCount: number;
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
  readonly #current: Database.Statement<[string], PassRow>;
  readonly #move: Database.Statement<[string, string | null, string, string]>;

  /** Use ListStore.beginReplacement(). Starts the transaction (waits for the write lock). */
  constructor(db: Db, meta: MetaTable, opts: ListWriteOptions, now: () => number, onEnd: () => void) {
    this.#db = db;
    this.#meta = meta;
    this.#opts = opts;
    this.#now = now;
    this.#onEnd = onEnd;
    db.exec('BEGIN IMMEDIATE');
    try {
      this.#version = nextListVersion(meta, opts);
      this.#generation = (meta.getInt(META.passGeneration) ?? 0) + 1;
      db.exec('DROP TABLE IF EXISTS passes_next; DROP TABLE IF EXISTS card_moves_next;');
      db.exec(passesTableSql('passes_next', this.#generation));
      // new_idm NULL: a tombstone given as such (a depot snapshot), not computed from a move.
      db.exec(
        'CREATE TABLE card_moves_next (old_idm TEXT NOT NULL, new_idm TEXT, pass_id TEXT NOT NULL, valid_until TEXT NOT NULL)',
      );
      this.#oldCount = (db.prepare('SELECT count(*) AS n FROM passes').get() as { n: number }).n;
      this.#insert = db.prepare(
        `INSERT INTO passes_next (${PASS_COLUMNS}, source_line) VALUES (${PASS_VALUES}, @source_line)
         ON CONFLICT DO NOTHING`,
      );
      this.#lineOf = db.prepare('SELECT source_line FROM passes_next WHERE pass_id = ?');
      this.#current = db.prepare(`SELECT ${PASS_COLUMNS} FROM passes WHERE pass_id = ?`);
      this.#move = db.prepare(
        'INSERT INTO card_moves_next (old_idm, new_idm, pass_id, valid_until) VALUES (?, ?, ?, ?)',
      );
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
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
    const params = passParams(pass, line);
    if (this.#insert.run(params).changes === 0) return this.#lineOf.get(pass.pass_id)?.source_line ?? 0;
    const c = this.#counter;
    c.total++;
    c.countStatus(pass.status);
    if (pass.status === 'active') this.#active++;
    // Into an empty list (first import, replay) every pass is new: skip the per-row query.
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
    this.#bulkInsert ??= this.#db.prepare(
      `INSERT INTO passes_next (${PASS_COLUMNS}, source_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
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

  /** addBulk's comparison with the list in force: counts, and the cards passes moved away from. */
  #compareBulk(): void {
    const differs = PASS_COLUMNS.split(', ')
      .filter((col) => col !== 'pass_id')
      .map((col) => `o.${col} IS NOT n.${col}`)
      .join(' OR ');
    const join = 'FROM passes_next n JOIN passes o ON o.pass_id = n.pass_id';
    const r = this.#db
      .prepare(`SELECT count(*) AS matched, coalesce(sum(${differs}), 0) AS updated ${join}`)
      .get() as { matched: number; updated: number };
    const moved = this.#db
      .prepare(
        `INSERT INTO card_moves_next (old_idm, new_idm, pass_id, valid_until)
         SELECT o.idm, n.idm, n.pass_id, n.valid_until ${join} WHERE o.idm <> n.idm ORDER BY n.rowid`,
      )
      .run().changes;
    const c = this.#counter;
    this.#matched = r.matched;
    c.updated = r.updated;
    c.unchanged = r.matched - r.updated;
    c.added = c.total - r.matched;
    c.cardChanges += moved;
  }

  /** Stages a tombstone given as such (e.g. carried by a depot snapshot). */
  addCardChange(change: CardChange): void {
    this.#assertOpen();
    this.#move.run(change.idm, null, change.pass_id, change.valid_until);
  }

  /** Applies the staged list and ends the transaction. */
  commit(): PassChangeCounts {
    this.#assertOpen();
    const db = this.#db;
    try {
      if (this.#bulk) this.#compareBulk();
      // Old cards of moved passes answer card_changed; a card a pass moved back to does not.
      db.exec(`
        INSERT INTO card_changes (idm, pass_id, valid_until)
          SELECT old_idm, pass_id, valid_until FROM card_moves_next WHERE true ORDER BY rowid
          ON CONFLICT (idm, pass_id) DO UPDATE SET valid_until = excluded.valid_until;
        DELETE FROM card_changes
          WHERE (idm, pass_id) IN (SELECT new_idm, pass_id FROM card_moves_next WHERE new_idm IS NOT NULL);`);
      // Tombstones expire by date in the rules, except those of passes no longer in the list.
      db.exec('DELETE FROM card_changes WHERE pass_id NOT IN (SELECT pass_id FROM passes_next)');
      db.exec(passesIdmIndexSql('passes_next', this.#generation));
      db.exec('DROP TABLE card_moves_next; DROP TABLE passes; ALTER TABLE passes_next RENAME TO passes;');
      this.#counter.removed = this.#oldCount - this.#matched;
      this.#meta.set(META.passGeneration, this.#generation);
      this.#meta.set(META.passCount, this.#counter.total);
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
    if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
    this.#end();
  }

  get rows(): number {
    return this.#counter.total;
  }

  /** What a commit now would report (`removed`: passes in force that no staged row matched). */
  pendingCounts(): PassChangeCounts {
    this.#assertOpen();
    return { ...this.#counter.result(), removed: this.#oldCount - this.#matched };
  }

  /**
   * The staged list's differences from the one in force, at most `limit` of each kind (the depot
   * builds a delta from them): new or changed rows, pass ids gone, and tombstones of the cards
   * passes moved away from. Call before commit; compare `pendingCounts()` with the limit first.
   */
  stagedChanges(limit: number): StagedChanges {
    this.#assertOpen();
    const differs = PASS_COLUMNS.split(', ')
      .filter((c) => c !== 'pass_id')
      .map((c) => `o.${c} IS NOT n.${c}`)
      .join(' OR ');
    const columns = PASS_COLUMNS.split(', ')
      .map((c) => `n.${c}`)
      .join(', ');
    const upserts = this.#db
      .prepare<[number], PassRow>(
        `SELECT ${columns} FROM passes_next n LEFT JOIN passes o ON o.pass_id = n.pass_id
         WHERE o.pass_id IS NULL OR ${differs} ORDER BY n.pass_id LIMIT ?`,
      )
      .all(limit)
      .map(rowToPass);
    const removals = this.#db
      .prepare<[number], { pass_id: string }>(
        `SELECT pass_id FROM passes o WHERE NOT EXISTS (SELECT 1 FROM passes_next n WHERE n.pass_id = o.pass_id)
         ORDER BY pass_id LIMIT ?`,
      )
      .all(limit)
      .map((r) => r.pass_id);
    const cardChanges = this.#db
      .prepare<[number], CardChange>(
        'SELECT old_idm AS idm, pass_id, valid_until FROM card_moves_next ORDER BY rowid LIMIT ?',
      )
      .all(limit);
    return { upserts, removals, cardChanges };
  }

  #end(): void {
    this.#open = false;
    this.#onEnd();
  }

  #assertOpen(): void {
    if (!this.#open) throw new Error('this pass-list replacement has already ended');
  }
}
