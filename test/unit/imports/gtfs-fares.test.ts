/**
 * Fares without rules (issue 12): several fares and no fare_rules.txt used to price every ride at
 * the cheapest, so amount passes rode free on dearer rides. Now that feed is refused naming the
 * file; exactly one fare is a flat fare, said so in the summary (`fareModel`).
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImportRefusedError } from '../../../device/imports/import-error.js';
import { importNetworkDir } from '../../../device/imports/network-import.js';
import { ListStore } from '../../../device/store/list-store.js';
import { type Feed, lines, miniFeed, writeFeed } from './gtfs-fixture.js';
import { type TempDir, tempDir } from './helpers.js';

let tmp: TempDir;
let store: ListStore;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  store = ListStore.open(':memory:');
});
afterEach(() => store.close());

const ATTRS = 'fare_id,price,currency_type,payment_method,transfers';
let n = 0;
const feed = (over: Feed) => writeFeed(join(tmp.dir, `feed${++n}`), miniFeed(over));

describe('fares without rules', () => {
  it('several fares and no fare_rules.txt: refused, naming fare_attributes.txt, network untouched', async () => {
    await importNetworkDir(store, feed({}));
    const before = store.network.info();
    const dir = feed({ 'fare_rules.txt': null });
    const err = await importNetworkDir(store, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRefusedError);
    expect((err as Error).message).toBe(
      `${join(dir, 'fare_attributes.txt')}: lists 5 fares but there is no fare_rules.txt, so nothing ` +
        'says which ride costs which: add the rules, or list exactly one fare for a flat-fare network',
    );
    expect(store.network.info()).toEqual(before);
  });

  it('several fares and a fare_rules.txt with no rows: refused the same way', async () => {
    const err = await importNetworkDir(
      store,
      feed({ 'fare_rules.txt': lines('fare_id,route_id,origin_id,destination_id') }),
    ).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /fare_attributes\.txt: lists 5 fares but fare_rules\.txt has no rules/,
    );
  });

  it('exactly one fare and no rules: a flat fare for every ride, said so', async () => {
    const r = await importNetworkDir(
      store,
      feed({ 'fare_rules.txt': null, 'fare_attributes.txt': lines(ATTRS, 'flat,210,JPY,0,0') }),
    );
    expect(r).toMatchObject({ fareModel: 'flat', fareRules: 0, fares: 1 });
    expect(store.network.fare('81', 'Z1', 'Z4')).toBe(210);
    expect(store.network.fare('ib1', 'Z3', 'Z2')).toBe(210);
  });

  it('no fares at all: every fare unknown (the driver collects by hand), said so', async () => {
    const r = await importNetworkDir(store, feed({ 'fare_rules.txt': null, 'fare_attributes.txt': null }));
    expect(r).toMatchObject({ fareModel: 'none', fares: 0 });
    expect(store.network.fare('81', 'Z1', 'Z4')).toBeNull();
  });

  it('a feed with rules says `rules`', async () => {
    expect(await importNetworkDir(store, feed({}))).toMatchObject({ fareModel: 'rules', fareRules: 6 });
  });
});
