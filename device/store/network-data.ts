/**
 * The network compiled from a GTFS feed (device/imports/gtfs-*.ts), ready to be stored in one
 * transaction (ListStore.replaceNetwork). Only what a decision needs: operators, routes, stops
 * with their effective zone, stop patterns, fares and free-pass areas.
 */
export interface CompiledNetwork {
  /** Short sha256 of the feed files the import read. */
  readonly version: string;
  /** feed_info.txt feed_version, when present. */
  readonly feedVersion: string | null;
  readonly agencies: readonly { readonly agency_id: string; readonly name: string | null }[];
  readonly routes: readonly {
    readonly route_id: string;
    readonly agency_id: string;
    readonly name: string | null;
  }[];
  readonly stops: readonly {
    readonly stop_id: string;
    readonly name: string | null;
    /** The stop's own zone_id, else its parent station's. */
    readonly zone_id: string | null;
    readonly parent_station: string | null;
  }[];
  /** Distinct stop sequences per route; pattern ids ascend in feed order (first trip first). */
  readonly patterns: readonly {
    readonly pattern_id: number;
    readonly route_id: string;
    readonly stops: readonly string[];
  }[];
  readonly trips: readonly { readonly trip_id: string; readonly pattern_id: number }[];
  /** One price per key; null stands for "any" (empty in fare_rules.txt). */
  readonly fares: readonly {
    readonly route_id: string | null;
    readonly origin: string | null;
    readonly destination: string | null;
    readonly price: number;
  }[];
  readonly areas: readonly { readonly area_id: string; readonly name: string | null }[];
  /** Expanded: every stop listed, and every stop whose parent station is listed. */
  readonly stopAreas: readonly { readonly area_id: string; readonly stop_id: string }[];
}
