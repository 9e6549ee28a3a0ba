/** The whole state of a pass list file, for "wholly old or wholly new" checks after a kill. */
import { createHash } from 'node:crypto';
import { copyFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ListStore } from '../../device/store/list-store.js';

export interface Fingerprint {
  version: number | null;
  count: number;
  active: number;
  changes: number;
  rows: number;
  hash: string;
  tables: string;
}

/** Opens the list as the daemon would after a crash (WAL recovery) and fingerprints all of it. */
export function fingerprint(path: string): Fingerprint {
  const store = ListStore.open(path);
  try {
    const h = createHash('sha256');
    let rows = 0;
    for (const page of store.passRowPages()) {
      for (const r of page) h.update(JSON.stringify(r));
      rows += page.length;
    }
    h.update(JSON.stringify(store.allCardChanges()));
    const info = store.info();
    h.update(JSON.stringify([info.version, info.expiresAt, info.source]));
    return {
      version: info.version,
      count: info.count,
      active: info.active,
      changes: info.changes,
      rows,
      hash: h.digest('hex'),
      tables: tablesOf(path),
    };
  } finally {
    store.close();
  }
}

function tablesOf(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    )
      .map((t) => t.name)
      .join(',');
  } finally {
    db.close();
  }
}

export function integrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

/** Puts a cleanly closed list file (no -wal) at `path`, replacing whatever a killed try left. */
export function reset(from: string, path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  copyFileSync(from, path);
}
