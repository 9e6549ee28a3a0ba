/**
 * WAL checkpoint of a database file from a short-lived connection of its own: the stores keep
 * their handles, and list-store.ts needs no checkpoint method. TRUNCATE copies the WAL into the
 * database and empties it (SQLite "PRAGMA wal_checkpoint"); with a reader mid-transaction it does
 * what it can and reports `busy`, and the next night finishes the job.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface CheckpointResult {
  readonly path: string;
  /** 1 when a reader or writer kept the checkpoint from completing. */
  readonly busy: number;
  /** WAL frames before, and frames copied into the database. */
  readonly log: number;
  readonly checkpointed: number;
}

export function checkpointDbFile(path: string, busyTimeoutMs = 2000): CheckpointResult | null {
  // Never create a database here: a bus without a list yet simply has nothing to checkpoint.
  if (!existsSync(path)) return null;
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{
      busy: number;
      log: number;
      checkpointed: number;
    }>;
    return { path, busy: row?.busy ?? 0, log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 };
  } finally {
    db.close();
  }
}
