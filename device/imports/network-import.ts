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
import { type FareModel, readFares } from './gtfs-fares.js';
import { GtfsSource } from './gtfs-source.js';
import { ErrorCollector, ImportError, MAX_IMPORT_ERRORS } from './import-error.js';
import { countOffNetwork, type OffNetworkCount } from './pass-network-check.js';
import type { TextReadOptions } from './text-source.js';

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
  /** `rules` (fare_rules.txt), `flat` (one fare, no rules) or `none` (no fares: fare_unknown). */
  readonly fareModel: FareModel;
  readonly areas: number;
  readonly stopAreas: number;
  /**
   * Passes already in force that name an area, operator or issuer this network lacks: counted and
   * warned about, not refused (the list came first; a later list import refuses such rows).
   */
  readonly passesOffNetwork: OffNetworkCount;
}

export interface CompiledFeed {
  readonly network: CompiledNetwork;
  readonly stats: Omit<NetworkImportResult, 'dir' | 'passesOffNetwork'>;
}

export interface FeedReadOptions {
  readonly maxErrors?: number;
  /** Size cap per file (text-source.ts). */
  readonly input?: TextReadOptions;
  /** Told after each stage with what it read (the CLI prints one line per stage in a log). */
  readonly onStage?: (
    stage: 'core' | 'fares' | 'areas',
    counts: Readonly<Record<string, number | string>>,
  ) => void;
}

/** Reads and compiles a feed; throws ImportRefusedError (file:line: field: message, up to 20). */
export async function compileGtfsFeed(dir: string, opts: FeedReadOptions = {}): Promise<CompiledFeed> {
  const errors: ErrorCollector = new ErrorCollector(opts.maxErrors ?? MAX_IMPORT_ERRORS);
  if (!isDirectory(dir)) errors.fail(new ImportError(dir, null, null, 'not a directory'));
  const src = new GtfsSource(dir, errors, opts.input);

  const core = await readCore(src);
  errors.throwIfAny();
  opts.onStage?.('core', {
    agencies: core.agencies.length,
    routes: core.routes.length,
    stops: core.stops.length,
    trips: core.trips.length,
    stop_times: core.stopTimes,
  });
  const fares = await readFares(src, new Set(core.routes.map((r) => r.route_id)), core.zones);
  if (errors.count === 0)
    opts.onStage?.('fares', { fare_rules: fares.rules, fares: fares.fares.length, fare_model: fares.model });
  const areas = await readAreas(src, core.stops, core.stopIndex);
  let feedVersion: string | null = null;
  for await (const row of src.rows('feed_info.txt', [], false)) {
    feedVersion ??= row.record.feed_version || null;
  }
  errors.throwIfAny();
  opts.onStage?.('areas', { areas: areas.areas.length, stop_areas: areas.stopAreas.length });

  const network: CompiledNetwork = {
    version: src.version(),
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
    fareModel: fares.model,
    areas: areas.areas.length,
    stopAreas: areas.stopAreas.length,
  };
  return { network, stats };
}

/**
 * Compiles `dir` and replaces the store's network in one transaction, then counts the passes in
 * force that name what the new network lacks.
 */
export async function importNetworkDir(
  store: ListStore,
  dir: string,
  opts: FeedReadOptions = {},
): Promise<NetworkImportResult> {
  const { network, stats } = await compileGtfsFeed(dir, opts);
  store.replaceNetwork(network);
  const ids = {
    agencies: new Set(network.agencies.map((a) => a.agency_id)),
    areas: new Set(network.areas.map((a) => a.area_id)),
  };
  const passesOffNetwork = countOffNetwork(store.network.passIdGroups(), ids);
  return { dir, ...stats, passesOffNetwork };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
