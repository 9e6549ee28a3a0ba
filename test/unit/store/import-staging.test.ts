/**
 * Local imports are staged apart (the connection's temp database) and written at commit as the
 * difference when the bus holds about that list, else whole (issue 12; pass-replacement.ts).
 * Either way the list that results is the same as a whole replacement staged in the list.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pass } from '../../../device/domain/pass.js';
import { ListStore } from '../../../device/store/list-store.js';
import { cells, idmOf, passOf, type TempDir, tempDir } from '../imports/helpers.js';

const NOW = Date.parse('2026-04-01T03:00:00Z');

function pass(i: number, over: Partial<Pass> = {}): Pass {
  return { ...passOf(cells(i)), ...over };
}

/** 200 passes: every third refunded in `day` 1, a band of moved cards, some gone and some new. */
function list(day: 0 | 1): Pass[] {
  const out: Pass[] = [];
  for (let i = 1; i <= 200; i++) {
    if (day === 1 && i % 50 === 0) continue; // gone
    if (day === 0) out.push(pass(i));
    else if (i % 3 === 0) out.push(pass(i, { status: 'refunded' }));
    else if (i > 100 && i <= 110) out.push(pass(i, { idm: idmOf(i, 7) }));
    else out.push(pass(i));
  }
  if (day === 1) for (let i = 201; i <= 220; i++) out.push(pass(i));
  return out;
}

function generation(path: string): string | null {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'list.generation'").get() as { value: string })
      .value;
  } finally {
    db.close();
  }
}

function stateOf(store: ListStore) {
  const info = store.info();
  return {
    passes: [...store.allPasses()],
    changes: store.allCardChanges(),
    count: info.count,
    active: info.active,
    tombstones: info.changes,
    version: info.version,
  };
}

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('a local import staged apart', () => {
  it('writes the nightly export as the difference, with the result of a whole replacement', () => {
    const path = join(tmp.dir, 'a.sqlite');
    const apart = ListStore.open(path, { clock: { now: () => NOW } });
    const inList = ListStore.open(':memory:', { clock: { now: () => NOW } });
    try {
      apart.replacePasses(list(0));
      inList.replacePasses(list(0), { source: 'sync', version: 1 });
      const before = generation(path);
      const counts = apart.replacePasses(list(1));
      const whole = inList.replacePasses(list(1), { source: 'sync', version: 2 });
      expect(counts).toEqual(whole);
      expect(counts).toMatchObject({ added: 20, removed: 4, cardChanges: 7 });
      // The difference: the live table was written in place, not swapped for a new one.
      expect(generation(path)).toBe(before);
      expect(stateOf(apart)).toEqual(stateOf(inList));
      expect(apart.lookup(idmOf(104)).changes).toEqual([
        { idm: idmOf(104), pass_id: 'P104', valid_until: '2026-06-30' },
      ]);
    } finally {
      apart.close();
      inList.close();
    }
  });

  it('writes a list that changed beyond the difference rule whole, with the same result', () => {
    const path = join(tmp.dir, 'b.sqlite');
    const apart = ListStore.open(path, { clock: { now: () => NOW } });
    const inList = ListStore.open(':memory:', { clock: { now: () => NOW } });
    try {
      const small = list(0).slice(0, 40);
      apart.replacePasses(small);
      inList.replacePasses(small, { source: 'sync', version: 1 });
      const before = Number(generation(path));
      // 40 passes in force, 216 coming: not "about the same list".
      const counts = apart.replacePasses(list(1));
      expect(counts).toEqual(inList.replacePasses(list(1), { source: 'sync', version: 2 }));
      expect(Number(generation(path))).toBe(before + 1);
      expect(stateOf(apart)).toEqual(stateOf(inList));
    } finally {
      apart.close();
      inList.close();
    }
  });

  it('holds no lock on the list while rows stream in, and replaces the list as it is at commit', () => {
    const path = join(tmp.dir, 'c.sqlite');
    const importer = ListStore.open(path, { clock: { now: () => NOW } });
    const other = ListStore.open(path, { clock: { now: () => NOW } });
    try {
      importer.replacePasses([pass(1), pass(2)]);
      const r = importer.beginReplacement();
      r.add(pass(1, { status: 'suspended' }), 2);
      // Another writer (the daemon's list sync) is not kept waiting by a long import.
      other.upsertPasses([pass(3)]);
      r.add(pass(2), 3);
      expect(r.pendingCounts()).toMatchObject({ total: 2, updated: 1, unchanged: 1, removed: 1 });
      r.add(pass(4), 4);
      const counts = r.commit();
      // The import replaces the list as it is at commit (pass 3 included, so it is removed).
      expect(counts).toMatchObject({ total: 3, added: 1, updated: 1, unchanged: 1, removed: 1 });
      expect(stateOf(other)).toMatchObject({ count: 3, version: 3 });
      expect([...other.allPasses()].map((p) => p.pass_id)).toEqual(['P1', 'P2', 'P4']);
    } finally {
      importer.close();
      other.close();
    }
  });

  it('leaves the list in force and no staging behind on a refusal', () => {
    const path = join(tmp.dir, 'd.sqlite');
    const store = ListStore.open(path, { clock: { now: () => NOW } });
    try {
      store.replacePasses(list(0));
      const before = stateOf(store);
      expect(() => store.replacePasses([pass(1), pass(2), pass(2, { idm: idmOf(9) })])).toThrow(
        /duplicate pass_id "P2"/,
      );
      expect(() => store.replacePasses(list(1), { version: 1 })).toThrow(/not after/);
      expect(stateOf(store)).toEqual(before);
      const r = store.beginReplacement();
      r.add(pass(1), 1);
      r.abort();
      expect(stateOf(store)).toEqual(before);
    } finally {
      store.close();
    }
  });
});
