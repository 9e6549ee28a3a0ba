/**
 * The depot's publish log (`publish-log.sqlite` in the state directory): one row per list version
 * the depot set out to publish. A version is written as `started` before the depot's own list
 * moves to it and before anything reaches the broker, and as `done` once every message of it was
 * acknowledged. A `started` row that never became `done` means the buses may or may not have that
 * version, so the next publish is a full snapshot under a fresh number (never a delta on top of
 * a version nobody can be sure of). It also remembers which retained topics are still set, so a
 * new snapshot can clear the deltas and chunks it makes useless.
 */
import Database from 'better-sqlite3';

export type PublishKind = 'delta' | 'snapshot' | 'delta+snapshot';

export interface PublishEntry {
  readonly version: number;
  readonly kind: PublishKind;
  readonly state: 'started' | 'done';
  readonly started_at: string;
  readonly done_at: string | null;
  readonly expires_at: string;
  readonly network_version: string | null;
  readonly passes: number | null;
  readonly active: number | null;
  /** Chunks of this version's snapshot still retained on the broker (0 once cleared). */
  readonly chunks_retained: number;
  /** 1 while this version's delta is retained on the broker. */
  readonly delta_retained: number;
  readonly sha256: string | null;
}

export interface FinishDetails {
  readonly doneAt: string;
  readonly passes: number;
  readonly active: number;
  readonly chunkCount: number | null;
  readonly sha256: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS publishes (
    version INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at TEXT NOT NULL,
    done_at TEXT,
    expires_at TEXT NOT NULL,
    network_version TEXT,
    passes INTEGER,
    active INTEGER,
    chunks_retained INTEGER NOT NULL DEFAULT 0,
    delta_retained INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT
  );`;

const COLUMNS =
  'version, kind, state, started_at, done_at, expires_at, network_version, passes, active, chunks_retained, delta_retained, sha256';

export class PublishLog {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  static open(path: string): PublishLog {
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL by default; begin() alone is made durable (see there).
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      return new PublishLog(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** The highest version ever started (done or not). */
  maxVersion(): number | null {
    const row = this.#db.prepare('SELECT max(version) AS v FROM publishes').get() as { v: number | null };
    return row.v;
  }

  /** The newest entry, done or not. */
  last(): PublishEntry | null {
    return this.#one(`SELECT ${COLUMNS} FROM publishes ORDER BY version DESC LIMIT 1`);
  }

  lastDone(): PublishEntry | null {
    return this.#one(`SELECT ${COLUMNS} FROM publishes WHERE state = 'done' ORDER BY version DESC LIMIT 1`);
  }

  /** The newest finished snapshot: what a bus gets from the retained manifest. */
  lastSnapshot(): PublishEntry | null {
    return this.#one(
      `SELECT ${COLUMNS} FROM publishes WHERE state = 'done' AND kind != 'delta' ORDER BY version DESC LIMIT 1`,
    );
  }

  /** Deltas finished since the last finished snapshot (the "every N deltas" rule). */
  deltasSinceSnapshot(): number {
    const snap = this.lastSnapshot()?.version ?? 0;
    const row = this.#db
      .prepare("SELECT count(*) AS n FROM publishes WHERE state = 'done' AND kind = 'delta' AND version > ?")
      .get(snap) as { n: number };
    return row.n;
  }

  begin(entry: {
    version: number;
    kind: PublishKind;
    startedAt: string;
    expiresAt: string;
    networkVersion: string | null;
  }): void {
    // A delta is marked retained from the start: clearing a topic that was never set is harmless,
    // forgetting one that was set leaves a stale retained delta on the broker.
    // This row must survive a power cut once buses may have seen the version (synced, FULL); the
    // other writes may be lost with no harm (a lost 'done' only makes the next publish a snapshot).
    this.#db.pragma('synchronous = FULL');
    try {
      this.#insertStarted(entry);
    } finally {
      this.#db.pragma('synchronous = NORMAL');
    }
  }

  #insertStarted(entry: {
    version: number;
    kind: PublishKind;
    startedAt: string;
    expiresAt: string;
    networkVersion: string | null;
  }): void {
    this.#db
      .prepare(
        `INSERT INTO publishes (version, kind, state, started_at, expires_at, network_version, delta_retained)
         VALUES (?, ?, 'started', ?, ?, ?, ?)`,
      )
      .run(
        entry.version,
        entry.kind,
        entry.startedAt,
        entry.expiresAt,
        entry.networkVersion,
        entry.kind === 'snapshot' ? 0 : 1,
      );
  }

  /** Records that this version's chunks are retained (before they are published). */
  chunksRetained(version: number, count: number): void {
    this.#db.prepare('UPDATE publishes SET chunks_retained = ? WHERE version = ?').run(count, version);
  }

  finish(version: number, d: FinishDetails): void {
    this.#db
      .prepare(
        `UPDATE publishes SET state = 'done', done_at = ?, passes = ?, active = ?, sha256 = ?,
           chunks_retained = coalesce(?, chunks_retained) WHERE version = ?`,
      )
      .run(d.doneAt, d.passes, d.active, d.sha256, d.chunkCount, version);
  }

  /** Versions up to `upTo` whose delta may still be retained. */
  retainedDeltas(upTo: number): number[] {
    return (
      this.#db
        .prepare('SELECT version FROM publishes WHERE delta_retained = 1 AND version <= ? ORDER BY version')
        .all(upTo) as { version: number }[]
    ).map((r) => r.version);
  }

  /** Snapshots older than `before` whose chunks may still be retained. */
  retainedChunks(before: number): { version: number; count: number }[] {
    return (
      this.#db
        .prepare(
          'SELECT version, chunks_retained AS count FROM publishes WHERE chunks_retained > 0 AND version < ? ORDER BY version',
        )
        .all(before) as { version: number; count: number }[]
    ).map((r) => ({ version: r.version, count: r.count }));
  }

  deltasCleared(versions: readonly number[]): void {
    const stmt = this.#db.prepare('UPDATE publishes SET delta_retained = 0 WHERE version = ?');
    this.#db.transaction(() => {
      for (const v of versions) stmt.run(v);
    })();
  }

  chunksCleared(version: number): void {
    this.#db.prepare('UPDATE publishes SET chunks_retained = 0 WHERE version = ?').run(version);
  }

  #one(sql: string): PublishEntry | null {
    return (this.#db.prepare(sql).get() as PublishEntry | undefined) ?? null;
  }
}
