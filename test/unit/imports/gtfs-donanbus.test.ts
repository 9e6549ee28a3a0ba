/**
 * The real 道南バス GTFS-JP feed (see /work/shared/data/gtfs-jp/README.md) imports as published.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNetworkDir, type NetworkImportResult } from '../../../device/imports/network-import.js';
import { ListStore } from '../../../device/store/list-store.js';

const FEED = resolve(process.cwd(), '../shared/data/gtfs-jp/donanbus-2020');
let store: ListStore;
let result: NetworkImportResult;

beforeAll(async () => {
  store = ListStore.open(':memory:');
  result = await importNetworkDir(store, FEED);
});
afterAll(() => store.close());

describe('the donanbus-2020 feed', () => {
  it('imports as published, GTFS-JP extension files ignored', () => {
    expect(result).toMatchObject({
      feedVersion: 'DUMMY_VERSION',
      agencies: 1,
      routes: 74,
      stops: 706,
      trips: 541,
      stopTimes: 20594,
      patterns: 74,
      fareRules: 63_745,
      // 347 keys have two rules (two prices): the cheapest is kept.
      fares: 63_398,
      fareModel: 'rules',
    });
    expect(result.version).toMatch(/^[0-9a-f]{16}$/);
    expect(store.network.info()).toMatchObject({
      version: result.version,
      stops: 706,
      routes: 74,
      fares: 63_398,
    });
  });

  it('names the operator by agency_id', () => {
    expect(store.network.routeAgency('100310')).toBe('1430001056880');
  });

  it('gives platforms their zone (their own zone_id)', () => {
    expect(store.network.stop('0391_A')).toEqual({ stop_id: '0391_A', zone_id: '0391_A', name: '工大' });
    expect(store.network.stop('0391')).toEqual({ stop_id: '0391', zone_id: null, name: '工大' });
  });

  it('knows the fare between two zones of a route', () => {
    // 工大 → 室蘭フェリーターミナル on route 100310 (fare_rules: k_340), and a short hop (k_210).
    expect(store.network.fare('100310', '0391_A', '0122_A')).toBe(340);
    expect(store.network.fare('100310', '0391_A', '0382_A')).toBe(210);
    // Two rules for this key (k_210 and k_320): the passenger pays the cheaper.
    expect(store.network.fare('106700', '0211_C', '0221_C')).toBe(210);
    expect(store.network.fare('100310', '0391_A', 'nowhere')).toBeNull();
  });

  it('gives the stops between two stops of a real trip', () => {
    expect(store.network.stopsBetween('100310', '100310_weekday_1', '0384_A', '0371_A')).toEqual([
      '0384_A',
      '0383_A',
      '0382_A',
      '0381_A',
      '0371_A',
    ]);
    expect(store.network.stopsBetween('100310', null, '0384_A', '0371_A')).toHaveLength(5);
    expect(store.network.stopsBetween('100310', '100310_weekday_1', '0371_A', '0384_A')).toBeNull();
  });

  it('imports again with the same version (the hash of the files read)', async () => {
    const again = await importNetworkDir(store, FEED);
    expect(again.version).toBe(result.version);
  });
});
