import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ListStore } from '../../../device/store/list-store.js';
import { SnapshotRowParser } from '../../../sync/bus/list-row-parser.js';
import { StoreListTarget } from '../../../sync/bus/list-store-target.js';
import { parsePassRow } from '../../../sync/pass-rows.js';
import type { SnapshotEntry, WireRow } from '../../../sync/schemas/entries.js';
import { packSnapshotToMemory } from '../../../sync/snapshot.js';
import { DAY, NOW, passRow } from './fixtures.js';

const stores: ListStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function storeWith(rows: readonly WireRow[]): ListStore {
  const store = ListStore.open(':memory:', { clock: { now: () => NOW } });
  stores.push(store);
  store.replacePasses(rows.map(parsePassRow), { version: 1, source: 'sync' });
  return store;
}

const byId = (a: WireRow, b: WireRow) => (String(a.pass_id) < String(b.pass_id) ? -1 : 1);

async function apply(store: ListStore, entries: SnapshotEntry[], difference: boolean) {
  const { manifest, chunks } = await packSnapshotToMemory(entries, {
    version: 2,
    createdAt: NOW - 1000,
    expiresAt: NOW + DAY,
    networkVersion: null,
    targetChunkBytes: 2048,
  });
  const ctx = { now: NOW, canceled: () => false, batchSize: 50 };
  return new StoreListTarget(store, { difference }).applySnapshot(manifest, (i) => chunks[i], ctx);
}

function state(store: ListStore) {
  const { appliedAt: _, ...info } = store.info();
  return { info, passes: [...store.allPasses()], changes: store.allCardChanges() };
}

describe('snapshot apply: difference and whole replacement give the same list', () => {
  it('with additions, removals, refunds, a moved card and given tombstones', async () => {
    const before = Array.from({ length: 300 }, (_, i) => passRow(i)).sort(byId);
    const after = before
      .filter((r) => r.pass_id !== 'P7' && r.pass_id !== 'P250')
      .map((r) => (r.pass_id === 'P3' ? { ...r, status: 'refunded' } : r))
      .map((r) => (r.pass_id === 'P5' ? { ...r, idm: 'abcdef0000000005' } : r))
      .concat([passRow(1000), passRow(1001)])
      .sort(byId);
    const entries: SnapshotEntry[] = [
      ...after.map((pass) => ({ pass })),
      { card_change: { idm: 'fe00000000000009', pass_id: 'P9', valid_until: '2026-09-30' } },
    ];
    const a = storeWith(before);
    const b = storeWith(before);
    const viaDifference = await apply(a, entries, true);
    const viaReplacement = await apply(b, entries, false);
    expect(viaDifference.method).toBe('difference');
    expect(viaReplacement.method).toBe('replacement');
    expect(state(a)).toEqual(state(b));
    expect(viaDifference.counts).toMatchObject({
      total: 300,
      added: 2,
      updated: 2,
      removed: 2,
      unchanged: 296,
    });
    expect(a.lookup(String(passRow(5).idm)).changes).toEqual([
      { idm: String(passRow(5).idm), pass_id: 'P5', valid_until: '2026-09-30' },
    ]);
    expect(a.info()).toMatchObject({
      version: 2,
      source: 'sync',
      expiresAt: new Date(NOW + DAY).toISOString(),
    });
  });

  it('stages the snapshot whole when it is not in pass_id order', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => passRow(i));
    const a = storeWith(rows);
    const shuffled = [...rows].reverse().map((pass) => ({ pass }));
    const result = await apply(a, shuffled, true);
    expect(result.method).toBe('replacement');
    expect(a.info()).toMatchObject({ version: 2, count: 40 });
  });

  it('refuses a bad row either way, leaving the list in force', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => passRow(i)).sort(byId);
    for (const difference of [true, false]) {
      const store = storeWith(rows);
      const bad = rows.map((r) => (r.pass_id === 'P4' ? { ...r, valid_until: '2026-02-30' } : r));
      await expect(
        apply(
          store,
          bad.map((pass) => ({ pass })),
          difference,
        ),
      ).rejects.toThrow(/P4.*valid_until/);
      expect(store.info()).toMatchObject({ version: 1, count: 20 });
    }
  });
});

describe('snapshot row parser', () => {
  const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
  const row = fc.record(
    {
      pass_id: pick(['P1', 'P2', 12345, '', 'x'.repeat(200), null]),
      card_number: pick(['JW100000000000001', 'JW1', 'XX100000000000001', undefined]),
      idm: pick(['0114b3a1c2d3e4f5', '0114B3A1C2D3E4F5', 'zz', 5]),
      kind: pick(['commuter', 'student_free', 'student', 'disability', 'bogus']),
      issuer: pick(['matsue-city', 'ichibata', '', 7]),
      operators: pick([
        ['matsue-city'],
        ['matsue-city', 'ichibata'],
        [],
        ['a', 'a'],
        'matsue-city',
        '["matsue-city"]',
        [1430001],
        ['1430001'],
      ]),
      valid_from: pick(['2026-04-01', '2026-09-30', '2026-02-30', 'bad']),
      valid_until: pick(['2026-04-01', '2026-09-30', '2026-13-01']),
      fare_limit: pick([240, null, undefined, '240', -1, 1.5, '']),
      area: pick(['matsue', null, undefined, '', 'y'.repeat(200)]),
      status: pick(['active', 'refunded', 'suspended', 'gone']),
    },
    { requiredKeys: [] },
  );
  const outcome = (parse: (r: WireRow) => unknown, r: WireRow) => {
    try {
      return { ok: parse(r) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };

  it('gives exactly the verdicts and values of the sales-row schema', () => {
    const parser = new SnapshotRowParser();
    fc.assert(
      fc.property(row, (r) => {
        expect(outcome(parser.parse, r as WireRow)).toEqual(outcome(parsePassRow, r as WireRow));
      }),
      { numRuns: 3_000 },
    );
  });
});
