/** Replacing the stored network with a compiled one, in one transaction (all or nothing). */
import { META } from './list-schema.js';
import type { MetaTable } from './meta-table.js';
import type { CompiledNetwork } from './network-data.js';
import type { Db } from './sqlite.js';

/** Counts kept in meta so NetworkInfo needs no table scans. */
export interface NetworkCounts {
  readonly agencies: number;
  readonly routes: number;
  readonly stops: number;
  readonly patterns: number;
  readonly trips: number;
  readonly fares: number;
  readonly areas: number;
}

const TABLES = [
  'net_agencies',
  'net_routes',
  'net_stops',
  'net_patterns',
  'net_trips',
  'net_fares',
  'net_areas',
  'net_stop_areas',
];

export function writeNetwork(db: Db, meta: MetaTable, net: CompiledNetwork, nowMs: number): NetworkCounts {
  const write = db.transaction(() => {
    for (const t of TABLES) db.exec(`DELETE FROM ${t}`);
    const agency = db.prepare('INSERT INTO net_agencies (agency_id, name) VALUES (?, ?)');
    for (const a of net.agencies) agency.run(a.agency_id, a.name);
    const route = db.prepare('INSERT INTO net_routes (route_id, agency_id, name) VALUES (?, ?, ?)');
    for (const r of net.routes) route.run(r.route_id, r.agency_id, r.name);
    const stop = db.prepare(
      'INSERT INTO net_stops (stop_id, zone_id, name, parent_station) VALUES (?, ?, ?, ?)',
    );
    for (const s of net.stops) stop.run(s.stop_id, s.zone_id, s.name, s.parent_station);
    const pattern = db.prepare('INSERT INTO net_patterns (pattern_id, route_id, stops) VALUES (?, ?, ?)');
    for (const p of net.patterns) pattern.run(p.pattern_id, p.route_id, JSON.stringify(p.stops));
    const trip = db.prepare('INSERT INTO net_trips (trip_id, pattern_id) VALUES (?, ?)');
    for (const t of net.trips) trip.run(t.trip_id, t.pattern_id);
    const fare = db.prepare(
      `INSERT INTO net_fares (route_id, origin, destination, price) VALUES (?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET price = min(price, excluded.price)`,
    );
    for (const f of net.fares) fare.run(f.route_id ?? '', f.origin ?? '', f.destination ?? '', f.price);
    const area = db.prepare('INSERT INTO net_areas (area_id, name) VALUES (?, ?)');
    for (const a of net.areas) area.run(a.area_id, a.name);
    const stopArea = db.prepare('INSERT OR IGNORE INTO net_stop_areas (area_id, stop_id) VALUES (?, ?)');
    for (const sa of net.stopAreas) stopArea.run(sa.area_id, sa.stop_id);
    const counts: NetworkCounts = {
      agencies: net.agencies.length,
      routes: net.routes.length,
      stops: net.stops.length,
      patterns: net.patterns.length,
      trips: net.trips.length,
      fares: (db.prepare('SELECT count(*) AS n FROM net_fares').get() as { n: number }).n,
      areas: net.areas.length,
    };
    meta.set(META.networkVersion, net.version);
    meta.set(META.networkFeedVersion, net.feedVersion);
    meta.set(META.networkImportedAt, new Date(nowMs).toISOString());
    meta.set(META.networkCounts, JSON.stringify(counts));
    return counts;
  });
  return write.immediate();
}
