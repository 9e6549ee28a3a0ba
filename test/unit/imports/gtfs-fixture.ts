/** A small synthetic GTFS feed whose every fare and pattern case is known, written to a temp dir. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Feed = Record<string, string | null>;

export function miniFeed(over: Feed = {}): Feed {
  return {
    'agency.txt': lines(
      'agency_id,agency_name,agency_url,agency_timezone',
      'mc,松江市交通局,https://x.invalid/,Asia/Tokyo',
      'ib,一畑バス,https://x.invalid/,Asia/Tokyo',
    ),
    'routes.txt': lines(
      'route_id,agency_id,route_short_name,route_long_name,route_type',
      '81,mc,81,,3',
      'loop,mc,,レイクライン,3',
      'ib1,ib,宍道線,,3',
    ),
    // sta-2 has no zone of its own: it is in its station's.
    'stops.txt': lines(
      'stop_id,stop_name,zone_id,location_type,parent_station',
      'sta-1,松江駅 1番,Z1,0,sta',
      'sta-2,松江駅 2番,,0,sta',
      'sta,松江駅,Z1,1,',
      'a,A,Z2,0,',
      'b,B,Z3,0,',
      'c,C,Z4,0,',
    ),
    'trips.txt': lines(
      'route_id,service_id,trip_id',
      '81,wd,t1',
      '81,wd,t2',
      '81,wd,t3',
      'loop,wd,L1',
      'ib1,wd,i1',
    ),
    // t1 is written out of order, with sequence numbers that sort wrongly as text (1, 10, 2, 20).
    'stop_times.txt': lines(
      'trip_id,arrival_time,departure_time,stop_id,stop_sequence',
      't1,07:30:00,07:30:00,c,20',
      't1,07:00:00,07:00:00,sta-1,1',
      't1,07:20:00,07:20:00,b,10',
      't1,07:10:00,07:10:00,a,2',
      't2,08:00:00,08:00:00,sta-1,1',
      't2,08:10:00,08:10:00,a,2',
      't2,08:20:00,08:20:00,b,3',
      't2,08:30:00,08:30:00,c,4',
      't3,09:00:00,09:00:00,c,1',
      't3,09:10:00,09:10:00,b,2',
      't3,09:20:00,09:20:00,a,3',
      't3,09:30:00,09:30:00,sta-1,4',
      'L1,10:00:00,10:00:00,sta-2,1',
      'L1,10:10:00,10:10:00,a,2',
      'L1,10:20:00,10:20:00,b,3',
      'L1,10:30:00,10:30:00,sta-2,4',
      'L1,10:40:00,10:40:00,c,5',
      'i1,11:00:00,11:00:00,sta-1,1',
      'i1,11:30:00,11:30:00,c,2',
    ),
    'fare_attributes.txt': lines(
      'fare_id,price,currency_type,payment_method,transfers',
      'f160,160,JPY,0,0',
      'f200,200.0,JPY,0,0',
      'f240,240,JPY,0,0',
      'f300,300,JPY,0,0',
      'f999,999,JPY,0,0',
    ),
    'fare_rules.txt': lines(
      'fare_id,route_id,origin_id,destination_id,contains_id',
      'f200,81,Z1,Z3,',
      'f999,81,Z1,Z3,',
      'f300,,Z1,Z3,',
      'f240,81,Z1,,',
      'f160,,,,',
      'f999,,,,Z2',
    ),
    'areas.txt': lines('area_id,area_name', 'inner,松江管内'),
    'stop_areas.txt': lines('area_id,stop_id', 'inner,sta', 'inner,a'),
    'feed_info.txt': lines(
      'feed_publisher_name,feed_publisher_url,feed_lang,feed_version',
      'x,https://x.invalid/,ja,v1',
    ),
    // Files a decision does not need, deliberately not valid GTFS: ignored.
    'shapes.txt': 'not,even\n"broken',
    'routes_jp.txt': lines('route_id,route_update_date', '81,20260401'),
    ...over,
  };
}

export function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

/** Writes the feed (files set to null are left out) into `dir`. */
export function writeFeed(dir: string, feed: Feed): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(feed)) if (text !== null) writeFileSync(join(dir, name), text);
  return dir;
}
