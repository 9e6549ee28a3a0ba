/**
 * `records.sqlite`: boarding records and open tap-ons (WAL, synchronous=FULL). The database is
 * the outbox (STYLE.md 7): a record is committed before the tap is reported, uploaded by
 * event_id, and deleted only after the depot acknowledged it. When the file cannot be written
 * (read-only mount, full disk) the daemon holds records in memory and writes them here later, in
 * order, with the event ids they were given (device/daemon/record-storage.ts).
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { Clock } from '../../hardware/ports/clock.js';
import type { Reason, Verdict } from '../domain/verdict.js';
import type { ClockState, OpenTapOn, ReaderRole } from '../rules/types.js';
import { makeDirSync } from './make-dir.js';
import { MetaTable } from './meta-table.js';
import { type Db, type Durability, durabilityOf, MEMORY, migrate, openDb } from './sqlite.js';
import type { NewRecord, StoredRecord } from './types.js';
import { closeKeepingWal } from './wal-files.js';

const V1 = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
  -- Insertion order (id) is seq order for a vehicle; seq comes from meta and is never reused.
  CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    vehicle_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,            -- epoch ms
    idm TEXT NOT NULL,
    reader TEXT NOT NULL,
    route TEXT,
    trip TEXT,
    stop TEXT,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    pass_id TEXT,
    fare INTEGER,
    excess INTEGER,
    tap_on_event_id TEXT,
    uploaded_at INTEGER              -- epoch ms of the depot's acknowledgement; null = pending
  );
  CREATE UNIQUE INDEX records_vehicle_seq ON records(vehicle_id, seq);
  CREATE INDEX records_pending ON records(id) WHERE uploaded_at IS NULL;
  CREATE INDEX records_uploaded ON records(uploaded_at) WHERE uploaded_at IS NOT NULL;
  -- The card's ride in progress on this vehicle (rule 3/4), one per card.
  CREATE TABLE open_tap_ons (
    idm TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    route TEXT,
    stop TEXT,
    trip TEXT,
    pass_id TEXT
  ) WITHOUT ROWID;
`;

/**
 * V2: the clock state of each tap (device/rules/clock-trust.ts): `ok`, `unchecked` (no bounds known),
 * `before_floor`, `beyond_horizon`. null for records written before V2 or without a judgement.
 */
const V2 = `ALTER TABLE records ADD COLUMN clock TEXT;`;

interface RecordRow {
  event_id: string;
  vehicle_id: string;
  seq: number;
  at: number;
  idm: string;
  reader: string;
  route: string | null;
  trip: string | null;
  stop: string | null;
  verdict: string;
  reason: string;
  pass_id: string | null;
  fare: number | null;
  excess: number | null;
  tap_on_event_id: string | null;
  clock: string | null;
  uploaded_at: number | null;
}

const RECORD_COLUMNS =
  'event_id, vehicle_id, seq, at, idm, reader, route, trip, stop, verdict, reason, pass_id, fare, excess, tap_on_event_id, clock';

export interface RecordStoreOptions {
  /** Stamps uploaded_at and ages purges; the system clock by default. */
  readonly clock?: Clock;
}

/** A record decided while the store could not be written, with the event id it was given then. */
export interface HeldWrite {
  readonly record: NewRecord;
  readonly tapOn: 'open' | 'close' | 'keep';
  readonly eventId: string;
}

export interface ListRecordsOptions {
  /** Only records not yet acknowledged by the depot. */
  readonly pending?: boolean;
  readonly limit?: number;
}

const systemClock: Clock = { now: () => Date.now() };

export class RecordStore {
  readonly #db: Db;
  readonly #vehicleId: string;
  readonly #clock: Clock;
  readonly #meta: MetaTable;
  readonly #seqKey: string;
  readonly #openTapOn: Database.Statement<[string], OpenTapOn>;
  readonly #insert: Database.Statement<[RecordRow]>;
  readonly #putTapOn: Database.Statement<
    [string, string, number, string | null, string | null, string | null, string | null]
  >;
  readonly #closeTapOn: Database.Statement<[string]>;
  readonly #markUploaded: Database.Statement<[number, string]>;
  readonly #pendingAfter: Database.Statement<[string, number, number], RecordRow>;
  readonly #markRange: Database.Statement<[number, string, number, number]>;
  readonly #commit: Database.Transaction<
    (rec: NewRecord, tapOn: 'open' | 'close' | 'keep', eventId: string) => StoredRecord
  >;
  readonly #commitHeld: Database.Transaction<(writes: readonly HeldWrite[]) => StoredRecord[]>;
  readonly #setRides: Database.Transaction<(rides: ReadonlyArray<[string, OpenTapOn | null]>) => void>;

  private constructor(db: Db, vehicleId: string, clock: Clock) {
    this.#db = db;
    this.#vehicleId = vehicleId;
    this.#clock = clock;
    this.#meta = new MetaTable(db);
    this.#seqKey = `seq:${vehicleId}`;
    this.#openTapOn = db.prepare(
      'SELECT event_id, at, route, stop, trip, pass_id FROM open_tap_ons WHERE idm = ?',
    );
    this.#insert = db.prepare(
      `INSERT INTO records (${RECORD_COLUMNS}, uploaded_at) VALUES (@event_id, @vehicle_id, @seq, @at, @idm,
         @reader, @route, @trip, @stop, @verdict, @reason, @pass_id, @fare, @excess, @tap_on_event_id, @clock, @uploaded_at)`,
    );
    this.#putTapOn = db.prepare(
      `INSERT INTO open_tap_ons (idm, event_id, at, route, stop, trip, pass_id) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (idm) DO UPDATE SET event_id = excluded.event_id, at = excluded.at, route = excluded.route,
         stop = excluded.stop, trip = excluded.trip, pass_id = excluded.pass_id`,
    );
    this.#closeTapOn = db.prepare('DELETE FROM open_tap_ons WHERE idm = ?');
    this.#markUploaded = db.prepare(
      'UPDATE records SET uploaded_at = ? WHERE event_id = ? AND uploaded_at IS NULL',
    );
    this.#pendingAfter = db.prepare(
      // The partial index of pending rows: acknowledged records kept for retention are never
      // scanned. id order is seq order for a vehicle (see the schema).
      `SELECT ${RECORD_COLUMNS}, uploaded_at FROM records INDEXED BY records_pending
       WHERE uploaded_at IS NULL AND vehicle_id = ? AND seq > ? ORDER BY id LIMIT ?`,
    );
    this.#markRange = db.prepare(
      `UPDATE records SET uploaded_at = ?
       WHERE vehicle_id = ? AND seq BETWEEN ? AND ? AND uploaded_at IS NULL`,
    );
    this.#commit = db.transaction((rec: NewRecord, tapOn: 'open' | 'close' | 'keep', eventId: string) =>
      this.#write(rec, tapOn, eventId),
    );
    this.#commitHeld = db.transaction((writes: readonly HeldWrite[]) =>
      writes.map((w) => this.#write(w.record, w.tapOn, w.eventId)),
    );
    this.#setRides = db.transaction((rides: ReadonlyArray<[string, OpenTapOn | null]>) => {
      for (const [idm, ride] of rides) {
        if (ride === null) this.#closeTapOn.run(idm);
        else this.#putTapOn.run(idm, ride.event_id, ride.at, ride.route, ride.stop, ride.trip, ride.pass_id);
      }
    });
  }

  /** Opens (creating if needed) the records database of `vehicleId`; ':memory:' for replay. */
  static open(path: string, vehicleId: string, opts: RecordStoreOptions = {}): RecordStore {
    if (!vehicleId) throw new Error('a vehicle id is required');
    if (path !== MEMORY) makePrivate(path);
    const db = openDb(path, { synchronous: 'FULL', cacheKiB: 4096 });
    try {
      // Records are personal data: a purged record is overwritten, not left in a free page.
      db.pragma('secure_delete = ON');
      migrate(db, path, [V1, V2]);
      return new RecordStore(db, vehicleId, opts.clock ?? systemClock);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  get vehicleId(): string {
    return this.#vehicleId;
  }

  close(): void {
    // The -wal and -shm files stay, so the records can be read on a read-only mount (wal-files.ts).
    closeKeepingWal(this.#db);
  }

  /**
   * Whether this connection can write. SQLite opens a file on a read-only mount read-only without
   * a word (and keeps it so after a remount read-write), so this writes a row and rolls it back;
   * nothing reaches the disk. A full disk answers true: that shows only when a commit fails.
   */
  canWrite(): boolean {
    const probe = new Error('probe');
    try {
      this.#db
        .transaction(() => {
          this.#meta.set('write_probe', this.#clock.now());
          throw probe;
        })
        .immediate();
    } catch (err) {
      return err === probe;
    }
    return true;
  }

  /** Journal mode and sync level of this connection (expected: wal, FULL). */
  durability(): Durability {
    return durabilityOf(this.#db);
  }

  /** The card's open tap-on on this vehicle, whatever its age (the rules judge age). */
  openTapOn(idm: string): OpenTapOn | null {
    return this.#openTapOn.get(idm.toLowerCase()) ?? null;
  }

  /**
   * Stores the record and updates the card's open tap-on, in one durable transaction. The event id
   * is new unless given (a record held in memory keeps the one its tap-off may already name).
   */
  commitTap(rec: NewRecord, tapOn: 'open' | 'close' | 'keep', eventId: string = randomUUID()): StoredRecord {
    return this.#commit.immediate(rec, tapOn, eventId);
  }

  /**
   * Stores records held in memory, in the order given, in one durable transaction: each gets the
   * next seq, exactly as if it had been committed at its tap.
   */
  commitHeld(writes: readonly HeldWrite[]): StoredRecord[] {
    return this.#commitHeld.immediate(writes);
  }

  /**
   * Sets the open tap-on of each card as given (null: none), in one transaction: the ride state
   * decided while records were held, including that of records lost past the memory bound.
   */
  setOpenTapOns(rides: ReadonlyArray<[string, OpenTapOn | null]>): void {
    this.#setRides.immediate(rides);
  }

  #write(rec: NewRecord, tapOn: 'open' | 'close' | 'keep', eventId: string): StoredRecord {
    const seq = (this.#meta.getInt(this.#seqKey) ?? 0) + 1;
    this.#meta.set(this.#seqKey, seq);
    const idm = rec.idm.toLowerCase();
    const stored: StoredRecord = {
      ...rec,
      idm,
      event_id: eventId,
      seq,
      vehicle_id: this.#vehicleId,
      uploaded: false,
    };
    this.#insert.run({ ...toRow(stored), uploaded_at: null });
    if (tapOn === 'open') {
      this.#putTapOn.run(idm, stored.event_id, rec.at, rec.route, rec.stop, rec.trip, rec.pass_id);
    } else if (tapOn === 'close') {
      this.#closeTapOn.run(idm);
    }
    return stored;
  }

  /** Stored records in seq order (insertion order). Do not write to this store while iterating. */
  *list(opts: ListRecordsOptions = {}): IterableIterator<StoredRecord> {
    const where = opts.pending ? 'WHERE uploaded_at IS NULL' : '';
    const limit = opts.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(opts.limit))}` : '';
    const stmt = this.#db.prepare<[], RecordRow>(
      `SELECT ${RECORD_COLUMNS}, uploaded_at FROM records ${where} ORDER BY id ${limit}`,
    );
    for (const row of stmt.iterate()) yield fromRow(row);
  }

  /**
   * Up to `limit` pending records of this store's vehicle with seq > `afterSeq`, in seq order: the
   * uploader's next batch. Records of another vehicle id (a re-configured unit) are never sent
   * under this one's name.
   */
  pendingAfter(afterSeq: number, limit: number): StoredRecord[] {
    return this.#pendingAfter.all(this.#vehicleId, afterSeq, Math.max(0, Math.floor(limit))).map(fromRow);
  }

  /**
   * Marks this vehicle's pending records with seq in `firstSeq..lastSeq` acknowledged; returns how
   * many. A batch holds every pending record of its seq range (built in seq order from pending
   * records only), so the depot's ack of a range covers exactly that batch, even one sent before a
   * restart of this process.
   */
  markUploadedRange(firstSeq: number, lastSeq: number): number {
    return this.#markRange.run(this.#clock.now(), this.#vehicleId, firstSeq, lastSeq).changes;
  }

  pendingCount(): number {
    return (
      this.#db.prepare('SELECT count(*) AS n FROM records WHERE uploaded_at IS NULL').get() as { n: number }
    ).n;
  }

  /** Marks records acknowledged by the depot; returns how many were pending. Unknown ids are ignored. */
  markUploaded(eventIds: readonly string[]): number {
    const now = this.#clock.now();
    const run = this.#db.transaction(() => {
      let n = 0;
      for (const id of eventIds) n += this.#markUploaded.run(now, id).changes;
      return n;
    });
    return run.immediate();
  }

  /**
   * Deletes records acknowledged at least `olderThanMs` ago (0: every acknowledged record).
   * Records are personal data: kept only until the depot has them. Seq numbers are not reused.
   */
  purgeUploaded(olderThanMs: number): number {
    const cutoff = this.#clock.now() - olderThanMs;
    return this.#db
      .prepare('DELETE FROM records WHERE uploaded_at IS NOT NULL AND uploaded_at <= ?')
      .run(cutoff).changes;
  }
}

/**
 * The records file and its WAL and shared-memory files readable by the owner only, whatever the
 * umask (systemd sets 0077; a shell usually 0022). A new file is created 0600 before SQLite opens
 * it, and SQLite gives the -wal and -shm files the mode of the database file.
 */
function makePrivate(path: string): void {
  makeDirSync(dirname(path), 0o700);
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const f of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if (existsSync(f) && (statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch {
      // Not ours to change (another owner): opening must not fail on it; the 0700 directory guards.
    }
  }
}

function toRow(r: StoredRecord): Omit<RecordRow, 'uploaded_at'> {
  return {
    event_id: r.event_id,
    vehicle_id: r.vehicle_id,
    seq: r.seq,
    at: r.at,
    idm: r.idm,
    reader: r.reader,
    route: r.route,
    trip: r.trip,
    stop: r.stop,
    verdict: r.verdict,
    reason: r.reason,
    pass_id: r.pass_id,
    fare: r.fare,
    excess: r.excess,
    tap_on_event_id: r.tap_on_event_id,
    clock: r.clock ?? null,
  };
}

/** Rows were written from typed records; the casts only restore the unions. */
function fromRow(r: RecordRow): StoredRecord {
  return {
    event_id: r.event_id,
    vehicle_id: r.vehicle_id,
    seq: r.seq,
    at: r.at,
    idm: r.idm,
    reader: r.reader as ReaderRole,
    route: r.route,
    trip: r.trip,
    stop: r.stop,
    verdict: r.verdict as Exclude<Verdict, 'duplicate'>,
    reason: r.reason as Exclude<Reason, 'duplicate_tap'>,
    pass_id: r.pass_id,
    fare: r.fare,
    excess: r.excess,
    tap_on_event_id: r.tap_on_event_id,
    ...(r.clock !== null ? { clock: r.clock as ClockState } : {}),
    uploaded: r.uploaded_at !== null,
  };
}
