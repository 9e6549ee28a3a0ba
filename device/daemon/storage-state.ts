/**
 * Whether boarding records can be written, and why not (issue 12 point 2): the state the
 * driver's status line, `teiki status` and the bus's MQTT status report.
 */
import { accessSync, constants, statfsSync } from 'node:fs';

/**
 * `ok`: records are committed at each tap. `read_only`: the data directory or records.sqlite
 * cannot be written (a read-only mount, permissions). `full`: no space left. `unavailable`: any
 * other failure (a corrupt or vanished file). In all but `ok` taps are still decided and shown,
 * and their records are held in memory until the store takes them.
 */
export const STORAGE_STATES = ['ok', 'read_only', 'full', 'unavailable'] as const;
export type StorageState = (typeof STORAGE_STATES)[number];

const READ_ONLY_CODES = new Set(['EROFS', 'EACCES', 'EPERM']);

/** What the filesystem of `dataDir` says, without writing: read_only, full, or null (looks fine). */
export function probeDataDir(dataDir: string): StorageState | null {
  try {
    accessSync(dataDir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (READ_ONLY_CODES.has(code)) return 'read_only';
    return null;
  }
  try {
    if (statfsSync(dataDir).bavail === 0) return 'full';
  } catch {
    // statfs is only a hint.
  }
  return null;
}

/**
 * Why a store operation failed. SQLite names a full disk and a read-only database; a file it
 * could not create or an I/O error it leaves unexplained, so the filesystem is asked then.
 */
export function classifyStorageError(err: unknown, dataDir: string): Exclude<StorageState, 'ok'> {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC') return 'full';
  if (code.startsWith('SQLITE_READONLY') || READ_ONLY_CODES.has(code)) return 'read_only';
  const probed = probeDataDir(dataDir);
  return probed === null || probed === 'ok' ? 'unavailable' : probed;
}
