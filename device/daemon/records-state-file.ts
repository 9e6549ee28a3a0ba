/**
 * The daemon's records storage state for `teiki status` (another process; issue 12 point 2).
 *
 * Kept in data_dir (`records-state.json`) like sync-state.json, except while data_dir cannot be
 * written, which is what it must then report: then in /dev/shm, a tmpfs on every Linux, writable
 * under the unit's `ProtectSystem=strict` (an API filesystem) and, unlike /tmp, shared with
 * `teiki status` despite `PrivateTmp=yes` (`RemoveIPC=yes` removes it with the service user's last
 * process). One small JSON file per data directory, written whole (temporary file, then rename),
 * 0600, naming the daemon's pid so a file left by a killed daemon reads as no daemon; status takes
 * the newer of the two. Nothing personal is in it: counts and a state.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { STORAGE_STATES } from './storage-state.js';

export const RUNTIME_DIR = '/dev/shm';

const Count = z.number().int().min(0);
export const RecordsStateSchema = z.object({
  pid: z.number().int().positive(),
  updated_at: z.string().max(40),
  storage: z.enum(STORAGE_STATES),
  pending_in_memory: Count,
  lost: Count,
  bound: Count,
});
export type RecordsState = z.infer<typeof RecordsStateSchema>;

export const RECORDS_STATE_FILE = 'records-state.json';

/** The copy in /dev/shm, for a data directory that cannot be written. */
export function runtimeStatePath(dataDir: string, runtimeDir: string = RUNTIME_DIR): string {
  const key = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16);
  return join(runtimeDir, `teiki-records-${key}.json`);
}

/** Writes the state whole; false when it could not. */
function writeWhole(path: string, state: RecordsState): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    rmSync(tmp, { force: true });
    // 'wx': never write through a file or link someone else put in a shared directory.
    writeFileSync(tmp, `${JSON.stringify(RecordsStateSchema.parse(state))}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
    return true;
  } catch {
    quietly(() => rmSync(tmp, { force: true }));
    return false;
  }
}

function quietly(run: () => void): void {
  try {
    run();
  } catch {
    // Best effort: status then reads no daemon state, or an older one.
  }
}

/** In data_dir, or in /dev/shm when data_dir cannot be written; false when neither took it. */
export function writeRecordsState(dataDir: string, state: RecordsState, runtimeDir?: string): boolean {
  const runtime = runtimeStatePath(dataDir, runtimeDir);
  if (writeWhole(join(dataDir, RECORDS_STATE_FILE), state)) {
    quietly(() => rmSync(runtime, { force: true }));
    return true;
  }
  return writeWhole(runtime, state);
}

function readOne(path: string): RecordsState | null {
  try {
    const r = RecordsStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** The newer of the two copies, or null. */
export function readRecordsState(dataDir: string, runtimeDir?: string): RecordsState | null {
  const found = [
    readOne(join(dataDir, RECORDS_STATE_FILE)),
    readOne(runtimeStatePath(dataDir, runtimeDir)),
  ].filter((s): s is RecordsState => s !== null);
  found.sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
  return found[0] ?? null;
}

export function removeRecordsState(dataDir: string, runtimeDir?: string): void {
  quietly(() => rmSync(join(dataDir, RECORDS_STATE_FILE), { force: true }));
  quietly(() => rmSync(runtimeStatePath(dataDir, runtimeDir), { force: true }));
}
