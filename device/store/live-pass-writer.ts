/**
 * Row-by-row changes to the live pass list (replay `passes` events, sync deltas): upsert whole
 * rows by pass_id, remove by pass_id, keep tombstones and the cached counts right. The caller
 * wraps the calls in one transaction.
 */
import type Database from 'better-sqlite3';
import type { CardChange, Pass } from '../domain/pass.js';
import type { ChangeCounter } from './change-counter.js';
import { PASS_COLUMNS, PASS_VALUES, type PassParams, type PassRow, passParams, sameRow } from './pass-row.js';
import type { Db } from './sqlite.js';

/** Changes to the cached pass counts (meta), applied by the caller. */
export interface CountDelta {
  count: number;
  active: number;
}

export class TombstoneWriter {
  readonly #put: Database.Statement<[string, string, string]>;
  readonly #drop: Database.Statement<[string, string]>;

  constructor(db: Db) {
    this.#put = db.prepare(
      `INSERT INTO card_changes (idm, pass_id, valid_until) VALUES (?, ?, ?)
       ON CONFLICT (idm, pass_id) DO UPDATE SET valid_until = excluded.valid_until`,
    );
    this.#drop = db.prepare('DELETE FROM card_changes WHERE idm = ? AND pass_id = ?');
  }

  put(change: CardChange): void {
    this.#put.run(change.idm, change.pass_id, change.valid_until);
  }

  /**
   * A pass moved from `oldIdm` to its current card: the old card answers card_changed until the
   * pass expires; a tombstone of the new card (the pass moving back) no longer applies.
   */
  moved(oldIdm: string, pass: Pass): void {
    this.put({ idm: oldIdm, pass_id: pass.pass_id, valid_until: pass.valid_until });
    this.#drop.run(pass.idm, pass.pass_id);
  }
}

export class LivePassWriter {
  readonly #select: Database.Statement<[string], PassRow>;
  readonly #insert: Database.Statement<[PassParams]>;
  readonly #update: Database.Statement<[PassParams]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #dropTombstones: Database.Statement<[string]>;
  readonly tombstones: TombstoneWriter;

  constructor(db: Db) {
    this.#select = db.prepare(`SELECT ${PASS_COLUMNS} FROM passes WHERE pass_id = ?`);
    this.#insert = db.prepare(
      `INSERT INTO passes (${PASS_COLUMNS}, source_line) VALUES (${PASS_VALUES}, @source_line)`,
    );
    this.#update = db.prepare(
      `UPDATE passes SET idm = @idm, card_number = @card_number, kind = @kind, issuer = @issuer,
         operators = @operators, valid_from = @valid_from, valid_until = @valid_until,
         fare_limit = @fare_limit, area = @area, status = @status, source_line = @source_line
       WHERE pass_id = @pass_id`,
    );
    this.#delete = db.prepare('DELETE FROM passes WHERE pass_id = ?');
    this.#dropTombstones = db.prepare('DELETE FROM card_changes WHERE pass_id = ?');
    this.tombstones = new TombstoneWriter(db);
  }

  upsert(pass: Pass, counter: ChangeCounter, delta: CountDelta): void {
    const params = passParams(pass, null);
    const current = this.#select.get(pass.pass_id);
    counter.total++;
    counter.countStatus(pass.status);
    if (!current) {
      this.#insert.run(params);
      counter.added++;
      delta.count++;
      if (pass.status === 'active') delta.active++;
      return;
    }
    if (sameRow(current, params)) {
      counter.unchanged++;
      return;
    }
    this.#update.run(params);
    counter.updated++;
    delta.active += (pass.status === 'active' ? 1 : 0) - (current.status === 'active' ? 1 : 0);
    if (current.idm !== pass.idm) {
      this.tombstones.moved(current.idm, pass);
      counter.cardChanges++;
    }
  }

  /** Removes a pass and its tombstones; an unknown id counts as unchanged. */
  remove(passId: string, counter: ChangeCounter, delta: CountDelta): void {
    const current = this.#select.get(passId);
    counter.total++;
    if (!current) {
      counter.unchanged++;
      return;
    }
    this.#delete.run(passId);
    this.#dropTombstones.run(passId);
    counter.removed++;
    delta.count--;
    if (current.status === 'active') delta.active--;
  }
}
