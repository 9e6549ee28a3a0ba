/**
 * Opening the local stores named by a config, with errors fit for the command line: whatever goes
 * wrong (the data directory cannot be made, a file is not a database, a disk is read-only) ends
 * the command with one line naming the path and exit 4, never a stack trace or a hang.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { ListStore } from '../store/list-store.js';
import { makeDirSync } from '../store/make-dir.js';
import { RecordStore } from '../store/record-store.js';
import { CliError, EXIT } from './errors.js';

export function listPath(config: Config): string {
  return join(config.data_dir, 'list.sqlite');
}
export function recordsPath(config: Config): string {
  return join(config.data_dir, 'records.sqlite');
}

const why = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** Makes `data_dir` (mode 0700: boarding records are personal data), or exit 4. */
export function ensureDataDir(config: Config): void {
  try {
    makeDirSync(config.data_dir, 0o700);
  } catch (err) {
    throw new CliError(`data_dir ${config.data_dir}: cannot create it (${why(err)})`, EXIT.store);
  }
}

/**
 * Runs `open` and turns any failure into exit 4 naming `path`: the one way every command opens
 * a store (`passes import`, `network import`, `status`, `records list`, `check`).
 */
export function openStore<T>(path: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot open ${path}: ${(err as Error).message}`, EXIT.store);
  }
}

/** The pass list; with `create`, made when missing (imports, status), else exit 4 when missing. */
export function openList(config: Config, opts: { create?: boolean } = {}): ListStore {
  const path = listPath(config);
  if (opts.create) ensureDataDir(config);
  else if (!existsSync(path))
    throw new CliError(`no pass list at ${path} (import one with "teiki passes import")`, EXIT.store);
  return openStore(path, () => ListStore.open(path));
}

export function openRecords(config: Config): RecordStore {
  ensureDataDir(config);
  const path = recordsPath(config);
  return openStore(path, () => RecordStore.open(path, config.vehicle.id));
}

/**
 * The records store for a command that only reads (`check`, `status`): null when there is none
 * yet, and never created, so these commands work on a read-only data directory (issue 12).
 */
export function openRecordsIfAny(config: Config): RecordStore | null {
  const path = recordsPath(config);
  if (!existsSync(path)) return null;
  try {
    return RecordStore.open(path, config.vehicle.id);
  } catch (err) {
    throw new CliError(`cannot open ${path}: ${(err as Error).message}`, EXIT.store);
  }
}
