/**
 * Passes against the network in force (issue 12): a row naming an area, operator or issuer the
 * network lacks is refused at its line and field; with no network yet the list imports and says
 * it was not checked; a network imported later counts such passes and does not refuse.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImportRefusedError } from '../../../device/imports/import-error.js';
import { importNetworkDir } from '../../../device/imports/network-import.js';
import { countOffNetwork, offNetworkFields } from '../../../device/imports/pass-network-check.js';
import { importPassesFile } from '../../../device/imports/passes-import.js';
import { ListStore } from '../../../device/store/list-store.js';
import { miniFeed, writeFeed } from './gtfs-fixture.js';
import { cells, csv, type TempDir, tempDir } from './helpers.js';

let tmp: TempDir;
let store: ListStore;
let feedDir: string;
beforeAll(() => {
  tmp = tempDir();
  feedDir = writeFeed(join(tmp.dir, 'feed'), miniFeed());
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  store = ListStore.open(':memory:');
});
afterEach(() => store.close());

/** A pass row on the mini feed's ids (agencies mc, ib; area inner). */
const onFeed = (i: number, over: Parameters<typeof cells>[1] = {}) =>
  cells(i, { issuer: 'mc', operators: 'mc|ib', ...over });

describe('a pass import against the network in force', () => {
  it('refuses a free pass whose area the network lacks, at its line and field, list untouched', async () => {
    await importNetworkDir(store, feedDir);
    await importPassesFile(store, tmp.write('a.csv', csv([onFeed(1)])));
    const file = tmp.write(
      'b.csv',
      csv([onFeed(1), onFeed(2, { kind: 'student_free', fare_limit: '', area: 'matsue' })]),
    );
    const err = await importPassesFile(store, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRefusedError);
    expect((err as Error).message).toBe(
      `${file}:3: area: "matsue" is not an area of the network in force (it has "inner")`,
    );
    expect(store.info()).toMatchObject({ version: 1, count: 1 });
  });

  it('refuses operators and issuers that are not agencies of the network, each on its field', async () => {
    await importNetworkDir(store, feedDir);
    const file = tmp.write(
      'c.csv',
      csv([
        onFeed(1, { operators: 'mc|ichibata|izumo' }),
        onFeed(2, { issuer: 'matsue-city', operators: 'ib' }),
      ]),
    );
    const err = (await importPassesFile(store, file).catch((e: unknown) => e)) as ImportRefusedError;
    expect(err.errors.map((e) => [e.line, e.field, e.detail])).toEqual([
      [2, 'operators', '"ichibata", "izumo" are not agencies of the network in force (it has "ib", "mc")'],
      [3, 'issuer', '"matsue-city" is not an agency of the network in force (it has "ib", "mc")'],
    ]);
  });

  it('accepts passes that name only what the network has, and says they were checked', async () => {
    await importNetworkDir(store, feedDir);
    const r = await importPassesFile(
      store,
      tmp.write(
        'd.csv',
        csv([onFeed(1), onFeed(2, { kind: 'student_free', fare_limit: '', area: 'inner' })]),
      ),
    );
    expect(r).toMatchObject({ total: 2, networkChecked: true });
  });

  it('with no network yet: imports, and says nothing was checked', async () => {
    const r = await importPassesFile(store, tmp.write('e.csv', csv([cells(1, { issuer: 'nobody' })])));
    expect(r).toMatchObject({ total: 1, networkChecked: false });
  });
});

describe('a network imported after the passes', () => {
  it('counts the passes that name what it lacks, and imports anyway', async () => {
    await importPassesFile(
      store,
      tmp.write(
        'f.csv',
        csv([
          onFeed(1),
          onFeed(2, { kind: 'student_free', fare_limit: '', area: 'matsue' }),
          onFeed(3, { kind: 'student_free', fare_limit: '', area: 'matsue' }),
          onFeed(4, { operators: 'mc|ichibata' }),
          onFeed(5, {
            issuer: 'matsue-city',
            operators: 'ichibata',
            kind: 'student_free',
            fare_limit: '',
            area: 'x',
          }),
        ]),
      ),
    );
    const r = await importNetworkDir(store, feedDir);
    expect(r.passesOffNetwork).toEqual({
      passes: 4,
      area: 3,
      operators: 2,
      issuer: 1,
      missing: [
        'area "matsue" (2 passes)',
        'operator "ichibata" (2 passes)',
        'area "x" (1 pass)',
        'issuer "matsue-city" (1 pass)',
      ],
    });
    expect(store.network.info().version).toBe(r.version);
    expect(store.info().count).toBe(5);
  });

  it('counts none when every pass fits', async () => {
    await importPassesFile(store, tmp.write('g.csv', csv([onFeed(1)])));
    expect((await importNetworkDir(store, feedDir)).passesOffNetwork.passes).toBe(0);
  });

  it('an area that only stop_areas.txt names (no areas.txt) is an area of the network', async () => {
    const dir = writeFeed(join(tmp.dir, 'no-areas'), miniFeed({ 'areas.txt': null }));
    await importNetworkDir(store, dir);
    const free = onFeed(1, { kind: 'student_free', fare_limit: '', area: 'inner' });
    await expect(importPassesFile(store, tmp.write('h.csv', csv([free])))).resolves.toMatchObject({
      total: 1,
    });
  });
});

describe('the check itself', () => {
  const net = { agencies: new Set(['a', 'b']), areas: new Set<string>() };
  it('names at most five known ids, and "none" when the network has no areas', () => {
    expect(offNetworkFields({ area: 'z', operators: ['a'], issuer: 'a' }, net)).toEqual([
      { field: 'area', message: '"z" is not an area of the network in force (it has none)' },
    ]);
    const many = { agencies: new Set(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']), areas: new Set<string>() };
    expect(offNetworkFields({ area: null, operators: ['a1'], issuer: 'q' }, many)[0]!.message).toBe(
      '"q" is not an agency of the network in force (it has "a1", "a2", "a3", "a4", "a5" and 2 more)',
    );
  });

  it('counts groups, most passes first', () => {
    const c = countOffNetwork(
      [
        { issuer: 'a', operators: ['a'], area: null, passes: 5 },
        { issuer: 'c', operators: ['a', 'c'], area: null, passes: 2 },
      ],
      net,
    );
    expect(c).toEqual({
      passes: 2,
      area: 0,
      operators: 2,
      issuer: 2,
      missing: ['issuer "c" (2 passes)', 'operator "c" (2 passes)'],
    });
  });
});
