import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportRefusedError } from '../../../device/imports/import-error.js';
import { importNetworkDir } from '../../../device/imports/network-import.js';
import { ListStore } from '../../../device/store/list-store.js';
import { type Feed, lines, miniFeed, writeFeed } from './gtfs-fixture.js';
import { type TempDir, tempDir } from './helpers.js';

let tmp: TempDir;
let store: ListStore;
let n = 0;

beforeEach(async () => {
  tmp = tempDir();
  store = ListStore.open(':memory:');
  await importNetworkDir(store, writeFeed(join(tmp.dir, 'good'), miniFeed()));
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

/** Imports a broken feed, expects a refusal, and checks the network in force did not change. */
async function refusal(feed: Feed): Promise<{ dir: string; err: ImportRefusedError }> {
  const before = store.network.info();
  const dir = writeFeed(join(tmp.dir, `bad${n++}`), feed);
  const err = await importNetworkDir(store, dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportRefusedError);
  expect(store.network.info()).toEqual(before);
  expect(store.network.stop('sta-1')).not.toBeNull();
  return { dir, err: err as ImportRefusedError };
}

function replaceLine(text: string | null, lineNo: number, line: string): string {
  const rows = (text ?? '').split('\n');
  rows[lineNo - 1] = line;
  return rows.join('\n');
}

describe('a bad GTFS feed is refused whole, naming file, line and field', () => {
  const base = miniFeed();

  it.each([
    ['stop_times.txt', 3, 't1,07:00:00,07:00:00,x,1', 'stop_id: unknown stop "x"'],
    ['stop_times.txt', 3, 'zz,07:00:00,07:00:00,sta-1,1', 'trip_id: unknown trip "zz"'],
    [
      'stop_times.txt',
      3,
      't1,07:00:00,07:00:00,sta-1,first',
      'stop_sequence: must be a whole number (0 or more)',
    ],
    ['stop_times.txt', 3, 't1,07:00:00,07:00:00,sta-1,', 'stop_sequence: is required'],
    ['stop_times.txt', 3, 't1,07:00:00,07:00:00,sta-1,20', 'stop_sequence: 20 appears twice in trip "t1"'],
    ['trips.txt', 2, 'nope,wd,t1', 'route_id: unknown route "nope"'],
    ['trips.txt', 3, '81,wd,t1', 'trip_id: duplicate "t1"'],
    ['routes.txt', 3, 'loop,xx,,L,3', 'agency_id: unknown agency "xx"'],
    ['routes.txt', 3, 'loop,,,L,3', 'agency_id: is required when the feed has several agencies'],
    ['stops.txt', 5, 'a,A,Z2,0,nowhere', 'parent_station: unknown stop "nowhere"'],
    ['stops.txt', 6, 'a,B,Z3,0,', 'stop_id: duplicate "a" (first on line 5)'],
    ['agency.txt', 3, ',一畑バス,https://x.invalid/,Asia/Tokyo', 'agency_id: is required'],
    ['fare_attributes.txt', 2, 'f160,160.5,JPY,0,0', 'price: must be whole yen, not "160.5"'],
    ['fare_attributes.txt', 2, 'f160,160,USD,0,0', 'currency_type: must be JPY, not "USD"'],
    ['fare_rules.txt', 2, 'f777,81,Z1,Z3,', 'fare_id: unknown fare "f777"'],
    ['fare_rules.txt', 2, 'f200,99,Z1,Z3,', 'route_id: unknown route "99"'],
    ['fare_rules.txt', 2, 'f200,81,Z9,Z3,', 'origin_id: unknown zone "Z9"'],
    ['fare_rules.txt', 2, 'f200,81,Z1,Z9,', 'destination_id: unknown zone "Z9"'],
    ['stop_areas.txt', 2, 'outer,sta', 'area_id: unknown area "outer"'],
    ['stop_areas.txt', 2, 'inner,nope', 'stop_id: unknown stop "nope"'],
  ] as const)('%s line %i: %s → %s', async (file, line, text, message) => {
    const { dir, err } = await refusal({ ...base, [file]: replaceLine(base[file] ?? null, line, text) });
    expect(err.message).toContain(`${join(dir, file)}:${line}: ${message}`);
    expect(err.errors[0]).toMatchObject({ file: join(dir, file), line });
  });

  it('a missing required file', async () => {
    const { dir, err } = await refusal({ ...base, 'trips.txt': null });
    expect(err.message).toBe(`${join(dir, 'trips.txt')}: missing (a required GTFS file)`);
  });

  it('a missing required column', async () => {
    const { err } = await refusal({ ...base, 'stop_times.txt': lines('trip_id,stop_id', 't1,a') });
    expect(err.errors).toMatchObject([{ line: 1, field: 'stop_sequence', detail: 'missing column' }]);
  });

  it('fare rules without fare attributes', async () => {
    const { err } = await refusal({ ...base, 'fare_attributes.txt': null });
    expect(err.message).toMatch(/fare_attributes\.txt: missing \(fare_rules\.txt needs it\)/);
  });

  it('a directory that does not exist', async () => {
    const err = await importNetworkDir(store, join(tmp.dir, 'none')).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/none: not a directory/);
  });
});

describe('a GTFS feed as operators publish it', () => {
  it('may have a BOM, CRLF, quoted fields, extra columns and columns in any order', async () => {
    const stops =
      '\uFEFFstop_lat,stop_id,"stop_name",zone_id,parent_station,location_type,platform_code\r\n' +
      '35.4,sta-1,"松江駅, 1番",Z1,sta,0,1\r\n35.4,sta-2,松江駅 2番,,sta,0,2\r\n35.4,sta,松江駅,Z1,,1,\r\n' +
      '35.4,a,A,Z2,,0,\r\n35.4,b,B,Z3,,0,\r\n35.4,c,C,Z4,,0,\r\n';
    const dir = writeFeed(join(tmp.dir, 'crlf'), miniFeed({ 'stops.txt': stops }));
    await importNetworkDir(store, dir);
    expect(store.network.stop('sta-1')?.name).toBe('松江駅, 1番');
    expect(store.network.stopsBetween('81', 't1', 'sta-1', 'c')).toHaveLength(4);
  });

  it('may leave agency_id out of routes when it has one agency', async () => {
    const feed = miniFeed({
      'agency.txt': lines(
        'agency_name,agency_id,agency_url,agency_timezone',
        'X,solo,https://x.invalid/,Asia/Tokyo',
      ),
      'routes.txt': lines('route_id,route_short_name,route_type', '81,81,3', 'loop,L,3', 'ib1,I,3'),
    });
    await importNetworkDir(store, writeFeed(join(tmp.dir, 'solo'), feed));
    expect(store.network.routeAgency('ib1')).toBe('solo');
  });
});
