import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNetworkDir, type NetworkImportResult } from '../../../device/imports/network-import.js';
import { ListStore } from '../../../device/store/list-store.js';
import { sliceRide } from '../../../device/store/network-lookup.js';
import { lines, miniFeed, writeFeed } from '../imports/gtfs-fixture.js';
import { type TempDir, tempDir } from '../imports/helpers.js';

let tmp: TempDir;
let store: ListStore;
let result: NetworkImportResult;

beforeAll(async () => {
  tmp = tempDir();
  store = ListStore.open(':memory:');
  result = await importNetworkDir(store, writeFeed(join(tmp.dir, 'feed'), miniFeed()));
});
afterAll(() => {
  store.close();
  tmp.cleanup();
});

describe('the compiled network', () => {
  it('keeps one pattern per distinct stop sequence of a route', () => {
    expect(result).toMatchObject({
      routes: 3,
      trips: 5,
      patterns: 4,
      stops: 6,
      feedVersion: 'v1',
      fareRules: 6,
    });
  });

  it('orders stops by numeric stop_sequence', () => {
    expect(store.network.stopsBetween('81', 't1', 'sta-1', 'c')).toEqual(['sta-1', 'a', 'b', 'c']);
  });

  it('gives a platform without a zone its station zone', () => {
    expect(store.network.stop('sta-2')).toEqual({ stop_id: 'sta-2', zone_id: 'Z1', name: '松江駅 2番' });
    expect(store.network.stop('nope')).toBeNull();
  });

  it('names the operator of a route', () => {
    expect(store.network.routeAgency('ib1')).toBe('ib');
    expect(store.network.routeAgency('nope')).toBeNull();
  });
});

describe('fares', () => {
  it('prefer a route-specific rule to a route-less one', () => {
    expect(store.network.fare('81', 'Z1', 'Z3')).toBe(200);
    expect(store.network.fare('ib1', 'Z1', 'Z3')).toBe(300);
  });

  it('prefer a route-specific wildcard to a route-less exact rule', () => {
    expect(store.network.fare('81', 'Z1', 'Z4')).toBe(240);
  });

  it('fall back to the any-route, any-zone rule', () => {
    expect(store.network.fare('ib1', 'Z2', 'Z4')).toBe(160);
  });

  it('keep the cheapest of several rules for one key, and skip contains_id-only rules', () => {
    expect(result.fares).toBe(4);
    expect(store.network.fare('81', 'Z1', 'Z3')).toBe(200);
  });

  it('are unknown when no rule matches', async () => {
    const other = ListStore.open(':memory:');
    const feed = miniFeed({ 'fare_rules.txt': 'fare_id,route_id,origin_id,destination_id\nf200,81,Z1,Z3\n' });
    await importNetworkDir(other, writeFeed(join(tmp.dir, 'nofallback'), feed));
    expect(other.network.fare('81', 'Z3', 'Z1')).toBeNull();
    other.close();
  });

  it('of a feed with one fare and no fare_rules.txt apply to every ride (a flat fare)', async () => {
    const other = ListStore.open(':memory:');
    const flat = miniFeed({
      'fare_rules.txt': null,
      'fare_attributes.txt': lines(
        'fare_id,price,currency_type,payment_method,transfers',
        'f160,160,JPY,0,0',
      ),
    });
    await importNetworkDir(other, writeFeed(join(tmp.dir, 'flat'), flat));
    expect(other.network.fare('loop', 'Z2', 'Z4')).toBe(160);
    other.close();
  });
});

describe('areas', () => {
  it('contain the listed stops and every platform of a listed station', () => {
    expect(store.network.stopInArea('sta-1', 'inner')).toBe(true);
    expect(store.network.stopInArea('sta-2', 'inner')).toBe(true);
    expect(store.network.stopInArea('a', 'inner')).toBe(true);
    expect(store.network.stopInArea('b', 'inner')).toBe(false);
    expect(store.network.stopInArea('a', 'elsewhere')).toBe(false);
  });
});

describe('stops between two stops', () => {
  it('use the trip, or the first pattern of the route where the ride fits', () => {
    expect(store.network.stopsBetween('81', 't3', 'b', 'sta-1')).toEqual(['b', 'a', 'sta-1']);
    expect(store.network.stopsBetween('81', null, 'b', 'sta-1')).toEqual(['b', 'a', 'sta-1']);
    expect(store.network.stopsBetween('81', 'unknown-trip', 'a', 'c')).toEqual(['a', 'b', 'c']);
  });

  it('fall back to the route when the trip does not run from one to the other', () => {
    expect(store.network.stopsBetween('81', 't1', 'c', 'a')).toEqual(['c', 'b', 'a']);
  });

  it('are null when no trip of the route runs from one to the other', () => {
    expect(store.network.stopsBetween('ib1', null, 'c', 'sta-1')).toBeNull();
    expect(store.network.stopsBetween('nope', null, 'a', 'b')).toBeNull();
  });

  it('take the shortest ride on a loop', () => {
    expect(store.network.stopsBetween('loop', 'L1', 'sta-2', 'c')).toEqual(['sta-2', 'c']);
    expect(store.network.stopsBetween('loop', 'L1', 'b', 'sta-2')).toEqual(['b', 'sta-2']);
    expect(sliceRide(['x', 'y', 'x', 'z'], 'x', 'y')).toEqual(['x', 'y']);
    expect(sliceRide(['x', 'y'], 'y', 'y')).toEqual(['y']);
  });
});
