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
 * Lays the reserve down if it is missing. Returns false when the disk has no room for it (the
 * partial file is removed again: half a reserve would only take space the records need).
 */
export function ensureReserve(dataDir: string): boolean {
  if (hasReserve(dataDir)) return true;
  const path = reservePath(dataDir);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'w', 0o600);
    const chunk = Buffer.alloc(64 * 1024);
    for (let written = 0; written < RESERVE_BYTES; ) written += writeSync(fd, chunk);
    closeSync(fd);
    fd = null;
    return true;
  } catch {
    if (fd !== null) closeSync(fd);
    rmSync(path, { force: true });
    return false;
  }
}

/** Gives the reserve up; true if there was one to give. */
export function releaseReserve(dataDir: string): boolean {
  const path = reservePath(dataDir);
  if (!existsSync(path)) return false;
  rmSync(path, { force: true });
  return true;
}
