/**
 * A list.sqlite with N generated passes and the sample network, built once per size and cached
 * under the OS temp dir (the generator is deterministic, so the cache is keyed by size and seed).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importNetworkDir } from '../../device/imports/network-import.js';
import { importPassesFile } from '../../device/imports/passes-import.js';
import { ListStore } from '../../device/store/list-store.js';
import { writePassesCsv } from '../../simulator/generate-passes.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const SAMPLE_GTFS = join(ROOT, 'simulator/data/gtfs-matsue');
export const SEED = 42;
export const START = '2026-04-01';

export async function listFixture(passes: number, log: (msg: string) => void): Promise<string> {
  const dir = join(tmpdir(), 'teiki-bench');
  mkdirSync(dir, { recursive: true });
  const db = join(dir, `list-${passes}-s${SEED}.sqlite`);
  if (existsSync(db)) return db;
  const csv = join(dir, `passes-${passes}.csv`);
  log(`generating ${passes} passes`);
  await writePassesCsv(csv, passes, { seed: SEED, start: START });
  const tmp = `${db}.building`;
  rmSync(tmp, { force: true });
  const store = ListStore.open(tmp);
  try {
    await importNetworkDir(store, SAMPLE_GTFS);
    log('importing');
    await importPassesFile(store, csv);
  } finally {
    store.close();
  }
  for (const ext of ['-wal', '-shm']) rmSync(`${tmp}${ext}`, { force: true });
  renameSync(tmp, db);
  rmSync(csv, { force: true });
  return db;
}
