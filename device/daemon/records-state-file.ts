/**
 * The daemon's records storage state for `teiki status` (another process; issue 12 point 2).
 *
 * It cannot live in data_dir, whose failing is what it reports, so it lives in /dev/shm: a tmpfs
 * on every Linux, writable under the unit's `ProtectSystem=strict` (an API filesystem) and, unlike
 * /tmp, shared with `teiki status` despite `PrivateTmp=yes`. One small JSON file per data
 * directory, written whole (temporary file, then rename), 0600, naming the daemon's pid so a file
 * left by a killed daemon reads as no daemon. `RemoveIPC=yes` removes it with the service user's
 * last process. Nothing personal is in it: counts and a state.
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

export function recordsStatePath(dataDir: string, runtimeDir: string = RUNTIME_DIR): string {
  const key = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16);
  return join(runtimeDir, `teiki-records-${key}.json`);
}

/** Writes the state; false when it could not (status then reads no daemon state). */
export function writeRecordsState(dataDir: string, state: RecordsState, runtimeDir?: string): boolean {
  const path = recordsStatePath(dataDir, runtimeDir);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    rmSync(tmp, { force: true });
    // 'wx': never write through a file or link someone else put in a shared directory.
    writeFileSync(tmp, `${JSON.stringify(RecordsStateSchema.parse(state))}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing more to do: status reads no daemon state.
    }
    return false;
  }
}

export function readRecordsState(dataDir: string, runtimeDir?: string): RecordsState | null {
  try {
    const r = RecordsStateSchema.safeParse(
      JSON.parse(readFileSync(recordsStatePath(dataDir, runtimeDir), 'utf8')),
    );
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export function removeRecordsState(dataDir: string, runtimeDir?: string): void {
  rmSync(recordsStatePath(dataDir, runtimeDir), { force: true });
}
