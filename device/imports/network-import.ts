/**
 * `teiki network import DIR`: a GTFS / GTFS-JP feed compiled and stored, all or nothing.
 * Read: agency, routes, stops, trips, stop_times (required); fare_attributes, fare_rules, areas,
 * stop_areas, feed_info (optional). Every other file (shapes, calendar, translations, GTFS-JP
 * *_jp.txt, rider categories …) is accepted and ignored: a decision does not need it.
 */
import { statSync } from 'node:fs';
import type { ListStore } from '../store/list-store.js';
import type { CompiledNetwork } from '../store/network-data.js';
import { readAreas } from './gtfs-areas.js';
import { readCore } from './gtfs-core.js';
import { readFares } from './gtfs-fares.js';
import { GtfsSource } from './gtfs-source.js';
import { ErrorCollector, ImportError, MAX_IMPORT_ERRORS } from './import-error.js';

/** What the import read and kept (the CLI prints it as JSON). */
export interface NetworkImportResult {
  readonly dir: string;
  readonly version: string;
  readonly feedVersion: string | null;
  readonly agencies: number;
  readonly routes: number;
  readonly stops: number;
  readonly trips: number;
  readonly stopTimes: number;
  readonly patterns: number;
  /** fare_rules.txt rows read, and distinct fare keys kept (the cheapest per key). */
  readonly fareRules: number;
  readonly fares: number;
  readonly areas: number;
  readonly stopAreas: number;
}

export interface CompiledFeed {
  readonly network: CompiledNetwork;
  readonly stats: Omit<NetworkImportResult, 'dir'>;
}

/** Reads and compiles a feed; throws ImportRefusedError (file:line: field: message, up to 20). */
export async function compileGtfsFeed(dir: string, opts: { maxErrors?: number } = {}): Promise<CompiledFeed> {
  const errors: ErrorCollector = new ErrorCollector(opts.maxErrors ?? MAX_IMPORT_ERRORS);
  if (!isDirectory(dir)) errors.fail(new ImportError(dir, null, null, 'not a directory'));
  const src = new GtfsSource(dir, errors);

  const core = await readCore(src);
  errors.throwIfAny();
  const fares = await readFares(src, new Set(core.routes.map((r) => r.route_id)), core.zones);
  const areas = await readAreas(src, core.stops, core.stopIndex);
  let feedVersion: string | null = null;
  for await (const row of src.rows('feed_info.txt', [], false)) {
    feedVersion ??= row.record.feed_version || null;
  }
  errors.throwIfAny();

  const network: CompiledNetwork = {
    version: await src.version(),
    feedVersion,
    agencies: core.agencies,
    routes: core.routes,
    stops: core.stops,
    patterns: core.patterns,
    trips: core.trips,
    fares: fares.fares,
    areas: areas.areas,
    stopAreas: areas.stopAreas,
  };
  const stats = {
    version: network.version,
    feedVersion,
    agencies: core.agencies.length,
    routes: core.routes.length,
    stops: core.stops.length,
    trips: core.trips.length,
    stopTimes: core.stopTimes,
    patterns: core.patterns.length,
    fareRules: fares.rules,
    fares: fares.fares.length,
    areas: areas.areas.length,
    stopAreas: areas.stopAreas.length,
  };
  return { network, stats };
}

/** Compiles `dir` and replaces the store's network in one transaction. */
export async function importNetworkDir(store: ListStore, dir: string): Promise<NetworkImportResult> {
  const { network, stats } = await compileGtfsFeed(dir);
  store.replaceNetwork(network);
  return { dir, ...stats };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
