/** Opening the local stores named by a config, with errors fit for the command line. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { ListStore } from '../store/list-store.js';
import { RecordStore } from '../store/record-store.js';
import { CliError, EXIT } from './errors.js';

export function listPath(config: Config): string {
  return join(config.data_dir, 'list.sqlite');
}
export function recordsPath(config: Config): string {
  return join(config.data_dir, 'records.sqlite');
}

export function openList(config: Config, opts: { create?: boolean } = {}): ListStore {
  const path = listPath(config);
  if (opts.create) mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  else if (!existsSync(path))
    throw new CliError(`no pass list at ${path} (import one with "teiki passes import")`, EXIT.store);
  try {
    return ListStore.open(path);
  } catch (err) {
    throw new CliError(`cannot open ${path}: ${(err as Error).message}`, EXIT.store);
  }
}

export function openRecords(config: Config): RecordStore {
  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  const path = recordsPath(config);
  try {
    return RecordStore.open(path, config.vehicle.id);
  } catch (err) {
    throw new CliError(`cannot open ${path}: ${(err as Error).message}`, EXIT.store);
  }
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
