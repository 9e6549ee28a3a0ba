/** Opening the local stores named by a config, with errors fit for the command line. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
 * Creates the data directory (mode 0700) one level at a time, or throws CliError (exit 4) naming
 * the level that failed. Not `mkdirSync(…, { recursive: true })`: under /proc (e.g. a data_dir of
 * /proc/1/x/y) Node's recursive mkdir retries ENOENT forever, and a CLI that loops is worse than
 * one that says why it stopped (issue 11).
 */
export function ensureDataDir(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; ) {
    let isDir: boolean;
    try {
      isDir = statSync(d).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        throw new CliError(`cannot create the data directory ${dir}: ${code ?? err}`, EXIT.store);
      missing.push(d);
      const up = dirname(d);
      if (up === d) break;
      d = up;
      continue;
    }
    if (!isDir)
      throw new CliError(`cannot create the data directory ${dir}: ${d} is not a directory`, EXIT.store);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new CliError(`cannot create the data directory ${dir}: ${code ?? err} (at ${d})`, EXIT.store);
    }
  }
}
