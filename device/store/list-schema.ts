/**
 * Schema of `list.sqlite`: the pass list, card changes (tombstones), the compiled network and
 * a key/value meta table. Tables prefixed `net_` hold the network (device/store/network-*.ts).
 */

/**
 * The passes table. A full replacement builds `passes_next` beside the live table and swaps the
 * two at commit, so index names carry a generation number (an index keeps its name when its
 * table is renamed, and the next staging table needs fresh ones). The IDm index is built at the
 * end (passesIdmIndexSql): sorting once gives a compact index that stays in the page cache,
 * where a million random inserts cost four times the CPU (measured) and leave it half-full.
 */
export function passesTableSql(table: string, generation: number): string {
  return `
    CREATE TABLE ${table} (
      pass_id TEXT NOT NULL,
      idm TEXT NOT NULL,
      card_number TEXT NOT NULL,
      kind TEXT NOT NULL,
      issuer TEXT NOT NULL,
      operators TEXT NOT NULL,     -- JSON array of operator ids
      valid_from TEXT NOT NULL,    -- YYYY-MM-DD
      valid_until TEXT NOT NULL,
      fare_limit INTEGER,          -- null for a free pass
      area TEXT,                   -- GTFS area_id, free pass only
      status TEXT NOT NULL,
      source_line INTEGER          -- line in the export it came from (duplicates name it)
    );
    CREATE UNIQUE INDEX passes_pass_id_g${generation} ON ${table}(pass_id);`;
}

/** The lookup index of every tap. */
export function passesIdmIndexSql(table: string, generation: number): string {
  return `CREATE INDEX passes_idm_g${generation} ON ${table}(idm);`;
}

const V1 = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
  ${passesTableSql('passes', 0)}
  ${passesIdmIndexSql('passes', 0)}
  -- Old cards that passes moved away from: answer card_changed until valid_until (rule 6).
  CREATE TABLE card_changes (
    idm TEXT NOT NULL,
    pass_id TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    PRIMARY KEY (idm, pass_id)
  ) WITHOUT ROWID;
  CREATE INDEX card_changes_pass ON card_changes(pass_id);

  CREATE TABLE net_agencies (agency_id TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID;
  CREATE TABLE net_routes (route_id TEXT PRIMARY KEY, agency_id TEXT NOT NULL, name TEXT) WITHOUT ROWID;
  -- zone_id is the effective zone: the stop's own, else its parent station's.
  CREATE TABLE net_stops (stop_id TEXT PRIMARY KEY, zone_id TEXT, name TEXT, parent_station TEXT) WITHOUT ROWID;
  -- A pattern is one distinct stop sequence of a route; trips point at patterns.
  CREATE TABLE net_patterns (pattern_id INTEGER PRIMARY KEY, route_id TEXT NOT NULL, stops TEXT NOT NULL);
  CREATE INDEX net_patterns_route ON net_patterns(route_id, pattern_id);
  CREATE TABLE net_trips (trip_id TEXT PRIMARY KEY, pattern_id INTEGER NOT NULL) WITHOUT ROWID;
  -- '' stands for "any" (an empty route_id, origin_id or destination_id in fare_rules.txt).
  CREATE TABLE net_fares (
    route_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    destination TEXT NOT NULL,
    price INTEGER NOT NULL,
    PRIMARY KEY (route_id, origin, destination)
  ) WITHOUT ROWID;
  CREATE TABLE net_areas (area_id TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID;
  -- Expanded at import: a stop is listed when it or its parent station is in stop_areas.txt.
  CREATE TABLE net_stop_areas (area_id TEXT NOT NULL, stop_id TEXT NOT NULL, PRIMARY KEY (area_id, stop_id)) WITHOUT ROWID;
`;

export const LIST_MIGRATIONS: readonly string[] = [V1];

/** Keys of the meta table. */
export const META = {
  listVersion: 'list.version',
  listAppliedAt: 'list.applied_at',
  listExpiresAt: 'list.expires_at',
  listSource: 'list.source',
  passCount: 'list.count',
  passActive: 'list.active',
  passGeneration: 'list.generation',
  networkVersion: 'network.version',
  networkFeedVersion: 'network.feed_version',
  networkImportedAt: 'network.imported_at',
  networkCounts: 'network.counts',
} as const;
