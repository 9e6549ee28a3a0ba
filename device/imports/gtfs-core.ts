/**
 * The required part of a GTFS feed: agencies, routes, stops (with zones), and trips compiled into
 * stop patterns from stop_times.txt (stop order by numeric stop_sequence).
 */
import type { CompiledNetwork } from '../store/network-data.js';
import { checkUnique, type GtfsSource } from './gtfs-source.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type AgencyOut = CompiledNetwork['agencies'][number];
export type RouteOut = CompiledNetwork['routes'][number];
export type StopOut = Mutable<CompiledNetwork['stops'][number]>;
export type PatternOut = CompiledNetwork['patterns'][number];
export type TripOut = CompiledNetwork['trips'][number];

export interface CoreTables {
  readonly agencies: AgencyOut[];
  readonly routes: RouteOut[];
  readonly stops: StopOut[];
  readonly stopIndex: ReadonlyMap<string, number>;
  readonly patterns: PatternOut[];
  readonly trips: TripOut[];
  /** Every zone_id some stop has (fare rules may only name these). */
  readonly zones: ReadonlySet<string>;
  /** stop_times rows read. */
  readonly stopTimes: number;
}

export async function readAgencies(src: GtfsSource): Promise<AgencyOut[]> {
  const out: AgencyOut[] = [];
  const seen = new Map<string, number>();
  for await (const row of src.rows('agency.txt', ['agency_id'], true)) {
    // Passes name their operators by agency_id, so a feed without ids cannot be matched.
    const id = src.need('agency.txt', row, 'agency_id');
    if (id === null || !checkUnique(src, seen, 'agency.txt', 'agency_id', id, row.line)) continue;
    out.push({ agency_id: id, name: row.record.agency_name || null });
  }
  if (out.length === 0 && src.errors.count === 0) src.error('agency.txt', null, null, 'lists no agency');
  return out;
}

export async function readRoutes(src: GtfsSource, agencies: readonly AgencyOut[]): Promise<RouteOut[]> {
  const known = new Set(agencies.map((a) => a.agency_id));
  const only = agencies.length === 1 ? agencies[0]!.agency_id : null;
  const out: RouteOut[] = [];
  const seen = new Map<string, number>();
  for await (const row of src.rows('routes.txt', ['route_id'], true)) {
    const id = src.need('routes.txt', row, 'route_id');
    if (id === null || !checkUnique(src, seen, 'routes.txt', 'route_id', id, row.line)) continue;
    // GTFS: agency_id may be empty when the feed has a single agency.
    const agency = row.record.agency_id || only;
    if (agency === null) {
      src.error('routes.txt', row.line, 'agency_id', 'is required when the feed has several agencies');
      continue;
    }
    if (!known.has(agency)) {
      src.error('routes.txt', row.line, 'agency_id', `unknown agency "${agency}"`);
      continue;
    }
    const name = row.record.route_short_name || row.record.route_long_name || null;
    out.push({ route_id: id, agency_id: agency, name });
  }
  return out;
}

export async function readStops(
  src: GtfsSource,
): Promise<{ stops: StopOut[]; stopIndex: Map<string, number>; zones: Set<string> }> {
  const stops: StopOut[] = [];
  const stopIndex = new Map<string, number>();
  const parentLines: number[] = [];
  const seen = new Map<string, number>();
  for await (const row of src.rows('stops.txt', ['stop_id'], true)) {
    const id = src.need('stops.txt', row, 'stop_id');
    if (id === null || !checkUnique(src, seen, 'stops.txt', 'stop_id', id, row.line)) continue;
    stopIndex.set(id, stops.length);
    parentLines.push(row.line);
    stops.push({
      stop_id: id,
      name: row.record.stop_name || null,
      zone_id: row.record.zone_id || null,
      parent_station: row.record.parent_station || null,
    });
  }
  // Parents may come after their children in the file: resolve once all stops are known.
  stops.forEach((s, i) => {
    if (s.parent_station === null) return;
    const parent = stopIndex.get(s.parent_station);
    if (parent === undefined) {
      src.error('stops.txt', parentLines[i]!, 'parent_station', `unknown stop "${s.parent_station}"`);
    } else if (s.zone_id === null) {
      // A platform without its own zone is in its station's (GTFS-JP puts zones on platforms).
      s.zone_id = stops[parent]!.zone_id;
    }
  });
  const zones = new Set<string>();
  for (const s of stops) if (s.zone_id !== null) zones.add(s.zone_id);
  return { stops, stopIndex, zones };
}

interface TripStops {
  readonly route_id: string;
  readonly seqs: number[];
  readonly stops: number[];
  readonly lines: number[];
}

export async function readCore(src: GtfsSource): Promise<CoreTables> {
  const agencies = await readAgencies(src);
  const routes = await readRoutes(src, agencies);
  const { stops, stopIndex, zones } = await readStops(src);
  const routeIds = new Set(routes.map((r) => r.route_id));

  const trips = new Map<string, TripStops>();
  for await (const row of src.rows('trips.txt', ['route_id', 'trip_id'], true)) {
    const id = src.need('trips.txt', row, 'trip_id');
    const route = src.need('trips.txt', row, 'route_id');
    if (id === null || route === null) continue;
    if (trips.has(id)) {
      src.error('trips.txt', row.line, 'trip_id', `duplicate "${id}"`);
      continue;
    }
    if (!routeIds.has(route)) {
      src.error('trips.txt', row.line, 'route_id', `unknown route "${route}"`);
      continue;
    }
    trips.set(id, { route_id: route, seqs: [], stops: [], lines: [] });
  }

  let stopTimes = 0;
  for await (const row of src.rows('stop_times.txt', ['trip_id', 'stop_id', 'stop_sequence'], true)) {
    stopTimes++;
    const tripId = src.need('stop_times.txt', row, 'trip_id');
    const stopId = src.need('stop_times.txt', row, 'stop_id');
    const seqText = src.need('stop_times.txt', row, 'stop_sequence');
    if (tripId === null || stopId === null || seqText === null) continue;
    const trip = trips.get(tripId);
    const stop = stopIndex.get(stopId);
    const seq = /^[0-9]{1,9}$/.test(seqText) ? Number(seqText) : null;
    if (!trip) src.error('stop_times.txt', row.line, 'trip_id', `unknown trip "${tripId}"`);
    if (stop === undefined) src.error('stop_times.txt', row.line, 'stop_id', `unknown stop "${stopId}"`);
    if (seq === null)
      src.error('stop_times.txt', row.line, 'stop_sequence', 'must be a whole number (0 or more)');
    if (!trip || stop === undefined || seq === null) continue;
    trip.seqs.push(seq);
    trip.stops.push(stop);
    trip.lines.push(row.line);
  }

  const { patterns, tripRows } = compilePatterns(src, trips, stops);
  return { agencies, routes, stops, stopIndex, patterns, trips: tripRows, zones, stopTimes };
}

/** Trips sharing a route and a stop sequence share one pattern (ids in trips.txt order). */
function compilePatterns(
  src: GtfsSource,
  trips: ReadonlyMap<string, TripStops>,
  stops: readonly StopOut[],
): { patterns: PatternOut[]; tripRows: TripOut[] } {
  const patterns: PatternOut[] = [];
  const byKey = new Map<string, number>();
  const tripRows: TripOut[] = [];
  for (const [tripId, t] of trips) {
    if (t.seqs.length === 0) continue; // a trip without stop times stops nowhere
    const order = t.seqs.map((_, i) => i).sort((a, b) => t.seqs[a]! - t.seqs[b]!);
    for (let k = 1; k < order.length; k++) {
      const a = order[k - 1]!;
      const b = order[k]!;
      if (t.seqs[a] === t.seqs[b]) {
        const line = Math.max(t.lines[a]!, t.lines[b]!);
        src.error('stop_times.txt', line, 'stop_sequence', `${t.seqs[b]} appears twice in trip "${tripId}"`);
      }
    }
    const stopIds = order.map((i) => stops[t.stops[i]!]!.stop_id);
    const key = `${t.route_id}\u0000${stopIds.join('\u0000')}`;
    let id = byKey.get(key);
    if (id === undefined) {
      id = patterns.length + 1;
      byKey.set(key, id);
      patterns.push({ pattern_id: id, route_id: t.route_id, stops: stopIds });
    }
    tripRows.push({ trip_id: tripId, pattern_id: id });
  }
  return { patterns, tripRows };
}
