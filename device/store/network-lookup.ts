/** NetworkLookup over the `net_*` tables of list.sqlite, one prepared statement per question. */
import type Database from 'better-sqlite3';
import { META } from './list-schema.js';
import type { MetaTable } from './meta-table.js';
import type { NetworkCounts } from './network-writer.js';
import type { Db } from './sqlite.js';
import type { NetworkInfo, NetworkLookup, StopInfo } from './types.js';

/** The ids passes may name (device/imports/pass-network-check.ts). */
export interface NetworkIds {
  readonly agencies: ReadonlySet<string>;
  readonly areas: ReadonlySet<string>;
}

/** Passes in force sharing issuer, operators and area. */
export interface PassIdGroup {
  readonly issuer: string;
  readonly operators: readonly string[];
  readonly area: string | null;
  readonly passes: number;
}

interface FareParams {
  route: string;
  origin: string;
  destination: string;
}

export class SqliteNetworkLookup implements NetworkLookup {
  readonly #meta: MetaTable;
  readonly #stop: Database.Statement<[string], StopInfo>;
  readonly #fare: Database.Statement<[FareParams], { price: number }>;
  readonly #inArea: Database.Statement<[string, string], { x: number }>;
  readonly #tripPattern: Database.Statement<[string], { stops: string }>;
  readonly #routePatterns: Database.Statement<[string], { stops: string }>;
  readonly #agency: Database.Statement<[string], { agency_id: string }>;
  readonly #db: Db;

  constructor(db: Db, meta: MetaTable) {
    this.#db = db;
    this.#meta = meta;
    this.#stop = db.prepare('SELECT stop_id, zone_id, name FROM net_stops WHERE stop_id = ?');
    // '' is "any". Route-specific rules beat route-less ones, then exact zones beat wildcards
    // (origin before destination); the PK serves each of the (at most 8) key combinations.
    this.#fare = db.prepare(
      `SELECT price FROM net_fares
       WHERE route_id IN (@route, '') AND origin IN (@origin, '') AND destination IN (@destination, '')
       ORDER BY route_id = '', origin = '', destination = '', price
       LIMIT 1`,
    );
    this.#inArea = db.prepare('SELECT 1 AS x FROM net_stop_areas WHERE area_id = ? AND stop_id = ?');
    this.#tripPattern = db.prepare(
      'SELECT p.stops FROM net_trips t JOIN net_patterns p ON p.pattern_id = t.pattern_id WHERE t.trip_id = ?',
    );
    this.#routePatterns = db.prepare('SELECT stops FROM net_patterns WHERE route_id = ? ORDER BY pattern_id');
    this.#agency = db.prepare('SELECT agency_id FROM net_routes WHERE route_id = ?');
  }

  stop(stopId: string): StopInfo | null {
    return this.#stop.get(stopId) ?? null;
  }

  fare(routeId: string, originZone: string, destinationZone: string): number | null {
    return (
      this.#fare.get({ route: routeId, origin: originZone, destination: destinationZone })?.price ?? null
    );
  }

  stopInArea(stopId: string, areaId: string): boolean {
    return this.#inArea.get(areaId, stopId) !== undefined;
  }

  /**
   * On the given trip's pattern; when the trip is unknown, or does not run from one stop to the
   * other (a stale trip id from the announcement controller), on the route's patterns in order.
   */
  stopsBetween(routeId: string, tripId: string | null, fromStop: string, toStop: string): string[] | null {
    if (tripId !== null) {
      const row = this.#tripPattern.get(tripId);
      const onTrip = row ? sliceRide(JSON.parse(row.stops) as string[], fromStop, toStop) : null;
      if (onTrip) return onTrip;
    }
    for (const row of this.#routePatterns.all(routeId)) {
      const ride = sliceRide(JSON.parse(row.stops) as string[], fromStop, toStop);
      if (ride) return ride;
    }
    return null;
  }

  routeAgency(routeId: string): string | null {
    return this.#agency.get(routeId)?.agency_id ?? null;
  }

  /** Agency and area ids of the network in force; null when no network was ever imported. */
  ids(): NetworkIds | null {
    if (this.#meta.get(META.networkVersion) === null) return null;
    const col = (sql: string) => new Set(this.#db.prepare<[], string>(sql).pluck().all());
    return {
      agencies: col('SELECT agency_id FROM net_agencies'),
      areas: col('SELECT area_id FROM net_areas'),
    };
  }

  /**
   * The passes in force grouped by what they name of the network: one scan of the passes table
   * (a handful of groups even for a million passes), so a network import can count the passes
   * that name what it lacks without reading them one by one.
   */
  passIdGroups(): PassIdGroup[] {
    const rows = this.#db
      .prepare<[], { issuer: string; operators: string; area: string | null; n: number }>(
        'SELECT issuer, operators, area, count(*) AS n FROM passes GROUP BY issuer, operators, area',
      )
      .all();
    return rows.map((r) => ({
      issuer: r.issuer,
      operators: JSON.parse(r.operators) as string[],
      area: r.area,
      passes: r.n,
    }));
  }

  info(): NetworkInfo {
    const counts = this.#meta.get(META.networkCounts);
    const c: Partial<NetworkCounts> = counts ? (JSON.parse(counts) as NetworkCounts) : {};
    return {
      version: this.#meta.get(META.networkVersion),
      feedVersion: this.#meta.get(META.networkFeedVersion),
      importedAt: this.#meta.get(META.networkImportedAt),
      agencies: c.agencies ?? 0,
      routes: c.routes ?? 0,
      stops: c.stops ?? 0,
      patterns: c.patterns ?? 0,
      fares: c.fares ?? 0,
      areas: c.areas ?? 0,
    };
  }
}

/**
 * The stops from `from` to `to` inclusive. On a loop a stop recurs: take the first reachable
 * `to`, boarded at the last `from` before it (the shortest ride that fits).
 */
export function sliceRide(stops: readonly string[], from: string, to: string): string[] | null {
  let lastFrom = -1;
  for (let i = 0; i < stops.length; i++) {
    const s = stops[i];
    if (s === to && lastFrom !== -1) return stops.slice(lastFrom, i + 1);
    if (s === from) {
      if (from === to) return [from];
      lastFrom = i;
    }
  }
  return null;
}
