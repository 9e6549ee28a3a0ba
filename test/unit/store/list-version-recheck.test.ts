import { afterEach, describe, expect, it } from 'vitest';
import { ListStore } from '../../../device/store/list-store.js';

const pass = (id: string, idm: string) => ({
  pass_id: id,
  card_number: 'JW1000000000000001',
  idm,
  kind: 'commuter' as const,
  issuer: 'matsue-city',
  operators: ['matsue-city'],
  valid_from: '2026-04-01',
  valid_until: '2026-04-30',
  fare_limit: 240,
  area: null,
  status: 'active' as const,
});

let store: ListStore;
afterEach(() => store?.close());

describe('list versions', () => {
  it('never move back or stand still, except a recheck of the depot list in force', () => {
    store = ListStore.open(':memory:');
    store.upsertPasses([pass('P1', '0114b3a1c2d3e4f5')], { version: 5, source: 'sync' });
    expect(() =>
      store.upsertPasses([pass('P2', '0114b3a1c2d3e4f6')], { version: 5, source: 'sync' }),
    ).toThrow(/list version 5 is not after the version in force \(5\)/);
    expect(() => store.upsertPasses([pass('P2', '0114b3a1c2d3e4f6')], { version: 4, recheck: true })).toThrow(
      /not after/,
    );
    store.upsertPasses([pass('P2', '0114b3a1c2d3e4f6')], { version: 5, source: 'sync', recheck: true });
    expect(store.info()).toMatchObject({ version: 5, count: 2, source: 'sync' });
  });

  it('a locally imported list cannot be "rechecked" under its own number', () => {
    store = ListStore.open(':memory:');
    store.upsertPasses([pass('P1', '0114b3a1c2d3e4f5')], { version: 3 });
    expect(() => store.upsertPasses([pass('P2', '0114b3a1c2d3e4f6')], { version: 3, recheck: true })).toThrow(
      /not after/,
    );
  });
});
