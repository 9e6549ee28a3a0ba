import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pass } from '../../../device/domain/pass.js';
import { ListStore } from '../../../device/store/list-store.js';
import { cells, idmOf, passOf, type TempDir, tempDir } from '../imports/helpers.js';

function pass(i: number, over: Partial<Pass> = {}): Pass {
  return { ...passOf(cells(i)), ...over };
}

const NOW = Date.parse('2026-04-01T03:00:00Z');
let store: ListStore;

beforeEach(() => {
  store = ListStore.open(':memory:', { clock: { now: () => NOW } });
});
afterEach(() => store.close());

/** Counts straight from the tables, to check the cached ones in info(). */
function realCounts(): { count: number; active: number } {
  const all = [...store.allPasses()];
  return { count: all.length, active: all.filter((p) => p.status === 'active').length };
}

describe('looking a card up', () => {
  it('returns the passes on the IDm, whatever the case of the IDm asked', () => {
    store.replacePasses([pass(1), pass(2), pass(3, { idm: idmOf(1) })]);
    const found = store.lookup(idmOf(1).toUpperCase());
    expect(found.passes.map((p) => p.pass_id).sort()).toEqual(['P1', 'P3']);
    expect(found.changes).toEqual([]);
    expect(store.lookup('ffffffffffffffff')).toEqual({ passes: [], changes: [] });
  });
});

describe('replacing the whole list', () => {
  it('counts what was added, updated, removed and unchanged, and by status', () => {
    store.replacePasses([pass(1), pass(2), pass(3)]);
    const counts = store.replacePasses([pass(1), pass(2, { status: 'refunded' }), pass(4)]);
    expect(counts).toEqual({
      total: 3,
      added: 1,
      updated: 1,
      removed: 1,
      unchanged: 1,
      cardChanges: 0,
      byStatus: { active: 2, refunded: 1 },
    });
    expect(store.lookup(idmOf(3)).passes).toEqual([]);
    expect(store.info()).toMatchObject({ ...realCounts(), version: 2, source: 'import', expiresAt: null });
  });

  it('writes a tombstone when a pass moved to another card', () => {
    store.replacePasses([pass(1), pass(2)]);
    const counts = store.replacePasses([pass(1, { idm: idmOf(1, 9) }), pass(2)]);
    expect(counts.cardChanges).toBe(1);
    expect(store.lookup(idmOf(1))).toEqual({
      passes: [],
      changes: [{ idm: idmOf(1), pass_id: 'P1', valid_until: '2026-06-30' }],
    });
    expect(store.lookup(idmOf(1, 9)).passes.map((p) => p.pass_id)).toEqual(['P1']);
    expect(store.info().changes).toBe(1);
  });

  it('keeps tombstones through later imports, and drops them with their pass', () => {
    store.replacePasses([pass(1), pass(2)]);
    store.replacePasses([pass(1, { idm: idmOf(1, 9) }), pass(2)]);
    store.replacePasses([pass(1, { idm: idmOf(1, 9) }), pass(2)]);
    expect(store.lookup(idmOf(1)).changes).toHaveLength(1);
    store.replacePasses([pass(2)]);
    expect(store.allCardChanges()).toEqual([]);
  });

  it('drops the tombstone of a card the pass moves back to', () => {
    store.replacePasses([pass(1)]);
    store.replacePasses([pass(1, { idm: idmOf(1, 9) })]);
    store.replacePasses([pass(1)]);
    expect(store.lookup(idmOf(1))).toMatchObject({ passes: [{ pass_id: 'P1' }], changes: [] });
    expect(store.lookup(idmOf(1, 9)).changes).toEqual([
      { idm: idmOf(1, 9), pass_id: 'P1', valid_until: '2026-06-30' },
    ]);
  });

  it('refuses a duplicate pass_id and keeps the list in force', () => {
    store.replacePasses([pass(1)]);
    expect(() => store.replacePasses([pass(2), pass(2, { idm: idmOf(7) })])).toThrow(
      /duplicate pass_id "P2"/,
    );
    expect([...store.allPasses()]).toEqual([pass(1)]);
    expect(store.info().version).toBe(1);
  });

  it('keeps the old list visible on this store until commit, and after an abort', () => {
    store.replacePasses([pass(1)]);
    const r = store.beginReplacement();
    r.add(pass(2), 2);
    expect(store.lookup(idmOf(1)).passes).toHaveLength(1);
    expect(store.lookup(idmOf(2)).passes).toHaveLength(0);
    expect(() => store.upsertPasses([pass(3)])).toThrow(/replacement is in progress/);
    r.abort();
    expect([...store.allPasses()]).toEqual([pass(1)]);
    expect(store.info().version).toBe(1);
    store.upsertPasses([pass(3)]);
  });

  it('stores tombstones given as such (a depot snapshot)', () => {
    const r = store.beginReplacement({ source: 'sync', version: 40, expiresAt: '2026-04-02T03:00:00.000Z' });
    r.add(pass(1, { idm: idmOf(1, 5) }), 1);
    r.addCardChange({ idm: idmOf(1), pass_id: 'P1', valid_until: '2026-06-30' });
    r.commit();
    expect(store.lookup(idmOf(1)).changes).toHaveLength(1);
    expect(store.info()).toMatchObject({
      version: 40,
      source: 'sync',
      expiresAt: '2026-04-02T03:00:00.000Z',
    });
  });

  it('never moves the version backwards', () => {
    store.replacePasses([pass(1)], { version: 10 });
    expect(() => store.replacePasses([pass(1)], { version: 10 })).toThrow(
      /not after the version in force \(10\)/,
    );
    expect(() => store.upsertPasses([pass(1)], { version: 9 })).toThrow(/not after/);
    expect(store.info().version).toBe(10);
  });
});

describe('changing rows in place', () => {
  it('upserts whole rows by pass_id with the same card-change logic', () => {
    store.replacePasses([pass(1), pass(2)]);
    const counts = store.upsertPasses([
      pass(1, { status: 'refunded' }),
      pass(2, { idm: idmOf(2, 3) }),
      pass(5),
    ]);
    expect(counts).toMatchObject({ total: 3, added: 1, updated: 2, cardChanges: 1, unchanged: 0 });
    expect(store.lookup(idmOf(1)).passes[0]?.status).toBe('refunded');
    expect(store.lookup(idmOf(2)).changes).toEqual([
      { idm: idmOf(2), pass_id: 'P2', valid_until: '2026-06-30' },
    ]);
    expect(store.info()).toMatchObject({ ...realCounts(), version: 2 });
  });

  it('removes passes with their tombstones', () => {
    store.replacePasses([pass(1), pass(2)]);
    store.upsertPasses([pass(1, { idm: idmOf(1, 4) })]);
    const counts = store.removePasses(['P1', 'nope']);
    expect(counts).toMatchObject({ total: 2, removed: 1, unchanged: 1 });
    expect(store.allCardChanges()).toEqual([]);
    expect(store.info()).toMatchObject({ ...realCounts(), version: 3 });
  });

  it('applies a delta (upserts, removals, tombstones) as one version', () => {
    store.replacePasses([pass(1), pass(2)]);
    store.applyChanges(
      {
        upserts: [pass(3)],
        removals: ['P2'],
        cardChanges: [{ idm: idmOf(8), pass_id: 'P1', valid_until: '2026-05-01' }],
      },
      { source: 'sync', version: 5, expiresAt: '2026-04-02T00:00:00.000Z' },
    );
    expect(store.info()).toMatchObject({ version: 5, count: 2, changes: 1, source: 'sync' });
  });
});

describe('the list file', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('is in WAL mode and keeps the list across reopening', () => {
    const path = join(tmp.dir, 'data', 'list.sqlite');
    const a = ListStore.open(path);
    a.replacePasses([pass(1)]);
    a.close();
    const b = ListStore.open(path);
    expect(b.lookup(idmOf(1)).passes).toEqual([pass(1)]);
    expect(b.info()).toMatchObject({ version: 1, count: 1, active: 1 });
    b.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('with a read snapshot, sees commits of other connections once the snapshot has aged', async () => {
    const path = join(tmp.dir, 'list.sqlite');
    const reader = ListStore.open(path, { readSnapshotMs: 40 });
    const writer = ListStore.open(path);
    writer.replacePasses([pass(1)]);
    expect(reader.lookup(idmOf(1)).passes).toHaveLength(1);
    writer.upsertPasses([pass(1, { status: 'refunded' })]);
    expect(reader.lookup(idmOf(1)).passes[0]?.status).toBe('active');
    await new Promise((r) => setTimeout(r, 60));
    expect(reader.lookup(idmOf(1)).passes[0]?.status).toBe('refunded');
    // Its own writes end the snapshot: seen at once.
    reader.upsertPasses([pass(1, { status: 'suspended' })]);
    expect(reader.lookup(idmOf(1)).passes[0]?.status).toBe('suspended');
    expect(reader.durability()).toEqual({ journalMode: 'wal', synchronous: 'NORMAL' });
    reader.close();
    writer.close();
  });

  it('refuses a file written by a newer schema', () => {
    const path = join(tmp.dir, 'list.sqlite');
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => ListStore.open(path)).toThrow(/schema version 99/);
  });
});
