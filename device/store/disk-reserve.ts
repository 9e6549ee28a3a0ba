/**
 * A ballast file in the data directory. On a full disk SQLite cannot even open a WAL database
 * (it must create the -wal and -shm files), so a validator restarted by a power cut or systemd
 * would not start at all and the bus would ride with no validator (issue 7, disk full). The
 * daemon keeps this much space in reserve while the disk has room, and gives it up to start when
 * it has none; the driver sees the storage alarm until the reserve can be laid down again.
 */
import { closeSync, existsSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const RESERVE_FILE = 'disk-reserve.bin';
export const RESERVE_BYTES = 2 * 1024 * 1024;

export function reservePath(dataDir: string): string {
  return join(dataDir, RESERVE_FILE);
}

/** Whether the full reserve is in place. */
export function hasReserve(dataDir: string): boolean {
  try {
    return statSync(reservePath(dataDir)).size >= RESERVE_BYTES;
  } catch {
    return false;
  }
}

/**
 * `in_place`; `no_room`: the disk is full or nearly; `not_writable`: the data directory cannot be
 * written at all (a read-only mount, issue 12), which says nothing about space.
 */
export type ReserveState = 'in_place' | 'no_room' | 'not_writable';

/**
 * Lays the reserve down if it is missing. `no_room` when the disk has no room for it (the
 * partial file is removed again: half a reserve would only take space the records need).
 */
export function ensureReserve(dataDir: string): ReserveState {
  if (hasReserve(dataDir)) return 'in_place';
  const path = reservePath(dataDir);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'w', 0o600);
    const chunk = Buffer.alloc(64 * 1024);
    for (let written = 0; written < RESERVE_BYTES; ) written += writeSync(fd, chunk);
    closeSync(fd);
    fd = null;
    return 'in_place';
  } catch (err) {
    if (fd !== null) closeSync(fd);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'not_writable';
    try {
      rmSync(path, { force: true });
    } catch {
      // Removing can fail as the write did; the next try cleans up.
    }
    return 'no_room';
  }
}

/** Gives the reserve up; true if there was one to give (false too when it cannot be removed). */
export function releaseReserve(dataDir: string): boolean {
  const path = reservePath(dataDir);
  if (!existsSync(path)) return false;
  try {
    rmSync(path, { force: true });
    return true;
  } catch {
    return false;
  }
}
