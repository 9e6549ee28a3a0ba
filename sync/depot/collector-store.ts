/**
 * The depot's store of boarding records received from the buses: `<state>/collected-records.sqlite`
 * (WAL, synchronous=FULL: the bus deletes its copy once we ack, so an acked batch must survive a
 * power cut here). Records are stored once, by (vehicle, seq, event id): a batch sent again after
 * a lost ack, a reconnect or a restart inserts nothing new.
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { type Db, migrate, openDb } from '../../device/store/sqlite.js';
import type { RecordsBatch, WireRecord } from '../schemas/records.js';

export const COLLECTED_DB = 'collected-records.sqlite';

const V1 = `
  CREATE TABLE records (
    vehicle TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    at INTEGER NOT NULL,
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
    received_at INTEGER NOT NULL,
    batch_id TEXT NOT NULL,
    -- A record is the same record when vehicle, seq and event id all match (a bus never reuses an
    -- event id, nor gives one a second seq). Keyed in seq order, inserts append: a key on the
    -- random event id alone made every batch rewrite pages all over the index (~5x slower).
    -- A bus whose records database was replaced starts its seq again: its new records differ in
    -- event id and are kept beside the old ones, never taken for duplicates (counted, logged).
    PRIMARY KEY (vehicle, seq, event_id)
  ) WITHOUT ROWID;
`;

/** The clock state of each tap (issue 7); null for records of buses that did not send it. */
const V2 = 'ALTER TABLE records ADD COLUMN clock TEXT;';

export interface StoredBatch {
  readonly inserted: number;
  readonly duplicates: number;
  /** New records whose (vehicle, seq) another event id already holds. */
  readonly seqClashes: number;
}

export interface CollectedRecord extends Omit<WireRecord, 'clock'> {
  readonly clock: NonNullable<WireRecord['clock']> | null;
  readonly vehicle: string;
  readonly received_at: number;
  readonly batch_id: string;
}

const COLUMNS =
  'event_id, vehicle, seq, at, idm, reader, route, trip, stop, verdict, reason, pass_id, fare, excess, tap_on_event_id, clock, received_at, batch_id';

type Row = CollectedRecord;

export class CollectorStore {
  readonly #db: Db;
  readonly #insert: Database.Statement<[Row]>;
  readonly #clash: Database.Statement<[string, number], { n: number }>;
  readonly #store: Database.Transaction<(batch: RecordsBatch, receivedAt: number) => StoredBatch>;

  private constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO records (${COLUMNS}) VALUES (@event_id, @vehicle, @seq, @at, @idm, @reader, @route, @trip,
         @stop, @verdict, @reason, @pass_id, @fare, @excess, @tap_on_event_id, @clock, @received_at, @batch_id)
       ON CONFLICT DO NOTHING`,
    );
    this.#clash = db.prepare('SELECT count(*) AS n FROM records WHERE vehicle = ? AND seq = ?');
    this.#store = db.transaction((batch: RecordsBatch, receivedAt: number) => {
      let inserted = 0;
      let seqClashes = 0;
      for (const r of batch.records) {
        const row: Row = {
          ...r,
          clock: r.clock ?? null,
          vehicle: batch.vehicle,
          received_at: receivedAt,
          batch_id: batch.batch_id,
        };
        if (this.#insert.run(row).changes === 0) continue;
        inserted++;
        if ((this.#clash.get(batch.vehicle, r.seq)?.n ?? 0) > 1) seqClashes++;
      }
      return { inserted, duplicates: batch.records.length - inserted, seqClashes };
    });
  }

  /** Opens (creating) the store in the depot's state directory. */
  static open(stateDir: string): CollectorStore {
    const path = join(stateDir, COLLECTED_DB);
    const db = openDb(path, { synchronous: 'FULL' });
    try {
      migrate(db, path, [V1, V2]);
      return new CollectorStore(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Stores a whole batch in one durable transaction; safe to call again with the same batch. */
  storeBatch(batch: RecordsBatch, receivedAt: number): StoredBatch {
    return this.#store.immediate(batch, receivedAt);
  }

  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM records').get() as { n: number }).n;
  }

  /** Per vehicle: records held and the highest seq. */
  vehicles(): Array<{ vehicle: string; records: number; last_seq: number }> {
    return this.#db
      .prepare<[], { vehicle: string; records: number; last_seq: number }>(
        'SELECT vehicle, count(*) AS records, max(seq) AS last_seq FROM records GROUP BY vehicle ORDER BY vehicle',
      )
      .all();
  }

  /** Every record by vehicle then seq. Do not write to this store while iterating. */
  *all(): IterableIterator<CollectedRecord> {
    yield* this.#db
      .prepare<[], Row>(`SELECT ${COLUMNS} FROM records ORDER BY vehicle, seq, event_id`)
      .iterate();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
