/**
 * Keeping a WAL database readable on a read-only filesystem (issue 12, point 2).
 *
 * SQLite reads a WAL-mode database on a read-only mount only when its `-wal` and `-shm` files
 * already exist (https://sqlite.org/wal.html#readonly, "Read-Only Databases"); otherwise it
 * needs `?immutable=1`, a URI parameter better-sqlite3 cannot pass (it is built with
 * SQLITE_USE_URI=0). The last connection to close a database deletes both files, so a bus whose
 * data filesystem came back read-only after a clean stop could not even read its pass list.
 * Tried on a real tmpfs remounted read-only (SQLite 3.53): with both files present, even empty,
 * a read-only open works (SQLite then builds the wal-index in heap memory); with either missing
 * it fails with SQLITE_CANTOPEN. So every store lays empty ones down again after closing.
 *
 * Empty files are what a crash leaves when the WAL was empty, which every writer recovers from
 * (an -shm is rebuilt by the first connection that opens it for writing), and opening in append
 * mode never truncates the files of a connection another process has open meanwhile.
 */
import { closeSync, constants, fchownSync, openSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';

const MEMORY = ':memory:';

/** Creates empty `-wal` and `-shm` files beside `dbPath` where missing, owned like the database. */
export function keepWalFiles(dbPath: string): void {
  if (dbPath === MEMORY || dbPath === '') return;
  let db: ReturnType<typeof statSync>;
  try {
    db = statSync(dbPath);
  } catch {
    return;
  }
  for (const suffix of ['-wal', '-shm']) {
    try {
      const fd = openSync(
        dbPath + suffix,
        constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW,
        Number(db.mode) & 0o666,
      );
      try {
        // As SQLite does for its own -wal and -shm: a root CLI run must not leave files the
        // service user cannot open (systemd runs the daemon as `teiki`).
        if (process.getuid?.() === 0) fchownSync(fd, Number(db.uid), Number(db.gid));
      } finally {
        closeSync(fd);
      }
    } catch {
      // A read-only or full filesystem: nothing can be kept, and the files of an earlier run stay.
    }
  }
}

/** Closes the connection, then keeps its WAL files (see above). */
export function closeKeepingWal(db: Database.Database): void {
  if (!db.open) return;
  const path = db.name;
  const inMemory = db.memory;
  db.close();
  if (!inMemory) keepWalFiles(path);
}
