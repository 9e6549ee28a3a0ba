/**
 * Opening a SQLite database (better-sqlite3) the way every store here wants it: WAL, a busy
 * timeout so a CLI import and the daemon can share a file, and a schema version check.
 */
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { makeDirSync } from './make-dir.js';

export type Db = Database.Database;

export interface OpenDbOptions {
  /**
   * FULL for boarding records (a record reported to the driver must survive a power cut);
   * NORMAL for the pass list (WAL + NORMAL never corrupts; a crash loses at most the last
   * import, which is simply run again).
   */
  readonly synchronous: 'NORMAL' | 'FULL';
  /** Page cache in KiB. */
  readonly cacheKiB?: number;
  /**
   * Bytes of the file read through mmap: page reads without a syscall each (the pass lookup of
   * every tap measured ~25% faster at 1M passes). Memory stays the OS page cache's, not the heap.
   */
  readonly mmapBytes?: number;
}

export const MEMORY = ':memory:';

export function openDb(path: string, opts: OpenDbOptions): Db {
  if (path !== MEMORY) makeDirSync(dirname(path), 0o777);
  const db = new Database(path);
  try {
    // ':memory:' answers 'memory': WAL needs a file, and replay keeps no state anyway.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous}`);
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = -${opts.cacheKiB ?? 16_384}`);
    if (opts.mmapBytes) db.pragma(`mmap_size = ${opts.mmapBytes}`);
    // A million-row import grows the WAL to hundreds of MB; give the space back after checkpoints.
    db.pragma('journal_size_limit = 67108864');
    db.pragma('foreign_keys = OFF');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Creates or checks the schema. `migrations[i]` brings a database from version i to i+1;
 * a file written by a newer program is refused rather than guessed at.
 */
export function migrate(db: Db, what: string, migrations: readonly string[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `${what} has schema version ${current}, newer than this program knows (${migrations.length})`,
    );
  }
  if (current === migrations.length) return;
  db.transaction(() => {
    for (let v = current; v < migrations.length; v++) db.exec(migrations[v]!);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}

export interface Durability {
  readonly journalMode: string;
  readonly synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
}

/** The connection's journal mode and sync level (per connection in SQLite, so only the store can tell). */
export function durabilityOf(db: Db): Durability {
  const levels = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
  const sync = db.pragma('synchronous', { simple: true }) as number;
  return {
    journalMode: String(db.pragma('journal_mode', { simple: true })),
    synchronous: levels[sync] ?? 'OFF',
  };
}
