/**
 * The daemon's sync state for `teiki status` (a separate process): a small JSON file in data_dir,
 * `sync-state.json`, written whole (temporary file, then rename) so a reader never sees half of
 * one. The daemon writes it on connect, disconnect, list applied, rejection and shutdown; the
 * file names the daemon's pid, so a "connected" left behind by a killed daemon reads as offline.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Count, IsoTime } from '../schemas/common.js';

export const SYNC_STATE_FILE = 'sync-state.json';

// Unknown keys are dropped, not refused: an older CLI can read a newer daemon's file.
export const SyncStateSchema = z.object({
  pid: z.number().int().positive(),
  updated_at: IsoTime,
  /** The daemon's MQTT connection is up. */
  connected: z.boolean(),
  last_connected_at: IsoTime.nullable().default(null),
  /** When the list sync last applied a snapshot or delta. */
  last_applied_at: IsoTime.nullable().default(null),
  /** Refused sync messages by `SyncRejection` code since the daemon started. */
  rejected: z.record(z.string().max(32), Count).default({}),
  /** The depot's last ack of boarding records. */
  last_ack_at: IsoTime.nullable().default(null),
});
export type SyncState = z.infer<typeof SyncStateSchema>;
export type SyncStateInput = z.input<typeof SyncStateSchema>;

export function syncStatePath(dataDir: string): string {
  return join(dataDir, SYNC_STATE_FILE);
}

/** Validates and writes the whole state; throws on a state that breaks the schema (a bug). */
export function writeSyncState(dataDir: string, state: SyncStateInput): void {
  const valid = SyncStateSchema.parse(state);
  const path = syncStatePath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(valid)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Merges `patch` into the current state (or a fresh one for this process) and writes it. */
export function updateSyncState(
  dataDir: string,
  patch: Partial<SyncStateInput>,
  now: number = Date.now(),
): SyncState {
  const current = readSyncState(dataDir);
  const base: SyncStateInput =
    current && current.pid === process.pid
      ? current
      : { pid: process.pid, updated_at: new Date(now).toISOString(), connected: false };
  const next = SyncStateSchema.parse({
    ...base,
    ...patch,
    pid: process.pid,
    updated_at: new Date(now).toISOString(),
  });
  writeSyncState(dataDir, next);
  return next;
}

/** The state, or null when there is none yet or it cannot be read (status must still answer). */
export function readSyncState(dataDir: string): SyncState | null {
  let text: string;
  try {
    text = readFileSync(syncStatePath(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const r = SyncStateSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote the state still runs (EPERM: it does, as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
