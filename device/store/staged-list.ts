/**
 * The tables a PassReplacement stages into, and the SQL that compares them with the list in force
 * and writes them into it. In the list file (`passes_next`, `card_moves_next`, inside the
 * replacement's write transaction) or apart, in the connection's temp database
 * (`temp.passes_staged`, `temp.card_moves_staged`), which no other connection sees and SQLite
 * never syncs to disk. Every statement here runs inside the replacement's transaction.
 */
import type { CardChange, Pass } from '../domain/pass.js';
import { passesIdmIndexSql, passesTableSql } from './list-schema.js';
import { PASS_COLUMNS, type PassRow, rowToPass } from './pass-row.js';
import type { Db } from './sqlite.js';

/** A staged replacement's differences from the list in force (PassReplacement.stagedChanges). */
export interface StagedChanges {
  readonly upserts: Pass[];
  readonly removals: string[];
  readonly cardChanges: CardChange[];
}

export interface StagingTables {
  readonly where: 'list' | 'temp';
  /** The staged passes (PASS_COLUMNS and source_line, unique pass_id). */
  readonly staged: string;
  /** Cards passes move away from: (old_idm, new_idm, pass_id, valid_until); new_idm NULL for a given tombstone. */
  readonly moves: string;
}

export const IN_LIST: StagingTables = { where: 'list', staged: 'passes_next', moves: 'card_moves_next' };
export const APART: StagingTables = {
  where: 'temp',
  staged: 'temp.passes_staged',
  moves: 'temp.card_moves_staged',
};

const MOVES_COLUMNS = 'old_idm TEXT NOT NULL, new_idm TEXT, pass_id TEXT NOT NULL, valid_until TEXT NOT NULL';
const DATA_COLUMNS = PASS_COLUMNS.split(', ').filter((c) => c !== 'pass_id');
/** A staged row `n` differs from the row in force `o` with its pass_id. */
const DIFFERS = DATA_COLUMNS.map((c) => `o.${c} IS NOT n.${c}`).join(' OR ');

export class StagedList {
  readonly #db: Db;
  readonly tables: StagingTables;

  constructor(db: Db, tables: StagingTables) {
    this.#db = db;
    this.tables = tables;
  }

  /** Creates the (empty) staging tables; in the list, index names carry `generation`. */
  create(generation: number): void {
    const db = this.#db;
    if (this.tables.where === 'list') {
      db.exec('DROP TABLE IF EXISTS passes_next; DROP TABLE IF EXISTS card_moves_next;');
      db.exec(passesTableSql('passes_next', generation));
      db.exec(`CREATE TABLE card_moves_next (${MOVES_COLUMNS})`);
      return;
    }
    this.drop();
    // The live table's columns (without its constraints: rows were validated on their way in).
    db.exec(`
      CREATE TEMP TABLE passes_staged AS SELECT * FROM main.passes WHERE false;
      CREATE UNIQUE INDEX temp.passes_staged_id ON passes_staged (pass_id);
      CREATE TEMP TABLE card_moves_staged (${MOVES_COLUMNS});`);
  }

  /** Drops staging tables kept apart (temp); those in the list end with their transaction. */
  drop(): void {
    if (this.tables.where !== 'temp') return;
    this.#db.exec('DROP TABLE IF EXISTS temp.passes_staged; DROP TABLE IF EXISTS temp.card_moves_staged;');
  }

  countInForce(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM passes').get() as { n: number }).n;
  }

  /** Staged rows whose pass_id is in force, how many of those differ, how many changed card. */
  compare(): { matched: number; updated: number; moved: number } {
    return this.#db
      .prepare(
        `SELECT count(*) AS matched, coalesce(sum(${DIFFERS}), 0) AS updated,
           coalesce(sum(o.idm <> n.idm), 0) AS moved
         FROM ${this.tables.staged} n JOIN passes o ON o.pass_id = n.pass_id`,
      )
      .get() as { matched: number; updated: number; moved: number };
  }

  /** Records the cards passes moved away from (in staging order); returns how many. */
  recordMoves(): number {
    const t = this.tables;
    return this.#db
      .prepare(
        `INSERT INTO ${t.moves} (old_idm, new_idm, pass_id, valid_until)
         SELECT o.idm, n.idm, n.pass_id, n.valid_until
         FROM ${t.staged} n JOIN passes o ON o.pass_id = n.pass_id WHERE o.idm <> n.idm ORDER BY n.rowid`,
      )
      .run().changes;
  }

  /**
   * Writes into `passes` only what differs: passes gone, rows that changed, new passes. The
   * result equals a whole replacement's, but for the export line (`source_line`) of unchanged rows.
   */
  writeDifference(): void {
    const staged = this.tables.staged;
    this.#tombstones(staged);
    const set = [...DATA_COLUMNS, 'source_line'].map((c) => `${c} = n.${c}`).join(', ');
    this.#db.exec(`
      DELETE FROM passes WHERE pass_id NOT IN (SELECT pass_id FROM ${staged});
      UPDATE passes AS o SET ${set} FROM ${staged} AS n WHERE n.pass_id = o.pass_id AND (${DIFFERS});
      INSERT INTO passes (${PASS_COLUMNS}, source_line)
        SELECT ${PASS_COLUMNS}, source_line FROM ${staged} n
        WHERE NOT EXISTS (SELECT 1 FROM passes o WHERE o.pass_id = n.pass_id) ORDER BY n.rowid;`);
  }

  /** Apart only: the staged rows into a new `passes_next` in the list, for swapIn(). */
  copyIntoList(generation: number): void {
    this.#db.exec(`
      DROP TABLE IF EXISTS passes_next;
      ${passesTableSql('passes_next', generation)}
      INSERT INTO passes_next (${PASS_COLUMNS}, source_line)
        SELECT ${PASS_COLUMNS}, source_line FROM ${this.tables.staged} ORDER BY rowid;`);
  }

  /** Makes `passes_next` the list in force (its IDm index built now: one sort, a compact index). */
  swapIn(generation: number): void {
    const db = this.#db;
    this.#tombstones('passes_next');
    db.exec(passesIdmIndexSql('passes_next', generation));
    if (this.tables.where === 'list') db.exec('DROP TABLE card_moves_next');
    db.exec('DROP TABLE passes; ALTER TABLE passes_next RENAME TO passes;');
  }

  /**
   * Old cards of moved passes answer card_changed; a card a pass moved back to does not.
   * Tombstones expire by date in the rules, except those of passes no longer in `list`.
   */
  #tombstones(list: string): void {
    const moves = this.tables.moves;
    this.#db.exec(`
      INSERT INTO card_changes (idm, pass_id, valid_until)
        SELECT old_idm, pass_id, valid_until FROM ${moves} WHERE true ORDER BY rowid
        ON CONFLICT (idm, pass_id) DO UPDATE SET valid_until = excluded.valid_until;
      DELETE FROM card_changes
        WHERE (idm, pass_id) IN (SELECT new_idm, pass_id FROM ${moves} WHERE new_idm IS NOT NULL);
      DELETE FROM card_changes WHERE pass_id NOT IN (SELECT pass_id FROM ${list});`);
  }

  /** At most `limit` of each: new or changed rows, pass ids gone, tombstones of moved cards. */
  changes(limit: number): StagedChanges {
    const t = this.tables;
    const columns = PASS_COLUMNS.split(', ')
      .map((c) => `n.${c}`)
      .join(', ');
    const upserts = this.#db
      .prepare<[number], PassRow>(
        `SELECT ${columns} FROM ${t.staged} n LEFT JOIN passes o ON o.pass_id = n.pass_id
         WHERE o.pass_id IS NULL OR ${DIFFERS} ORDER BY n.pass_id LIMIT ?`,
      )
      .all(limit)
      .map(rowToPass);
    const removals = this.#db
      .prepare<[number], { pass_id: string }>(
        `SELECT pass_id FROM passes o WHERE NOT EXISTS (SELECT 1 FROM ${t.staged} n WHERE n.pass_id = o.pass_id)
         ORDER BY pass_id LIMIT ?`,
      )
      .all(limit)
      .map((r) => r.pass_id);
    const cardChanges = this.#db
      .prepare<[number], CardChange>(
        `SELECT old_idm AS idm, pass_id, valid_until FROM ${t.moves} ORDER BY rowid LIMIT ?`,
      )
      .all(limit);
    return { upserts, removals, cardChanges };
  }
}
