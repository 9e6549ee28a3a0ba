/**
 * What the rest of the device asks of the local store. Implemented over SQLite (better-sqlite3):
 * device/store/list-store.ts (passes, card changes, network; `list.sqlite`, WAL) and
 * device/store/record-store.ts (boarding records and open tap-ons; `records.sqlite`, WAL,
 * synchronous=FULL). Both accept ':memory:' for replay, which keeps no state between runs.
 */
import type { CardChange, Pass } from '../domain/pass.js';
import type { Reason, Verdict } from '../domain/verdict.js';
import type { ClockState, ReaderRole } from '../rules/types.js';

export interface CardPasses {
  readonly passes: Pass[];
  /** Tombstones for this IDm, including expired ones: the rule judges their dates. */
  readonly changes: CardChange[];
}

export interface ListInfo {
  /** Monotonic list version (depot version when synced; local imports count up). */
  readonly version: number | null;
  readonly count: number;
  readonly active: number;
  readonly changes: number;
  /** ISO time the list in force was applied. */
  readonly appliedAt: string | null;
  /** ISO expiry from the depot manifest (issue 4); null for local imports. */
  readonly expiresAt: string | null;
  readonly source: 'import' | 'sync' | null;
}

export interface PassChangeCounts {
  readonly total: number;
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly unchanged: number;
  /** New tombstones written because a pass moved to another IDm. */
  readonly cardChanges: number;
  readonly byStatus: Readonly<Record<string, number>>;
}

export interface StopInfo {
  readonly stop_id: string;
  readonly zone_id: string | null;
  readonly name: string | null;
}

export interface NetworkInfo {
  readonly version: string | null;
  /** feed_info.txt feed_version of the imported feed, when it had one. */
  readonly feedVersion?: string | null;
  readonly importedAt: string | null;
  readonly agencies: number;
  readonly routes: number;
  readonly stops: number;
  readonly patterns: number;
  readonly fares: number;
  readonly areas: number;
}

/** Read side of the compiled network: what the pipeline needs to build a ride's facts. */
export interface NetworkLookup {
  stop(stopId: string): StopInfo | null;
  /** GTFS fare for the route between two zones; route-specific rules win over route-less ones. */
  fare(routeId: string, originZone: string, destinationZone: string): number | null;
  stopInArea(stopId: string, areaId: string): boolean;
  /**
   * The stops passed from `fromStop` to `toStop` inclusive, in order, on the given trip (or, when
   * trip is null or unknown, on the first pattern of the route where `fromStop` precedes `toStop`).
   * null when no trip of the route runs from one to the other.
   */
  stopsBetween(routeId: string, tripId: string | null, fromStop: string, toStop: string): string[] | null;
  routeAgency(routeId: string): string | null;
  info(): NetworkInfo;
}

export interface NewRecord {
  /** Epoch ms. */
  readonly at: number;
  readonly idm: string;
  readonly reader: ReaderRole;
  readonly route: string | null;
  readonly trip: string | null;
  /** null when no current stop was known at the tap. */
  readonly stop: string | null;
  readonly verdict: Exclude<Verdict, 'duplicate'>;
  readonly reason: Exclude<Reason, 'duplicate_tap'>;
  readonly pass_id: string | null;
  readonly fare: number | null;
  readonly excess: number | null;
  /** At tap-off: the tap-on this ride started with. */
  readonly tap_on_event_id: string | null;
  /** Was the clock trusted at this tap (device/rules/clock-trust.ts)? Absent: not judged. */
  readonly clock?: ClockState;
}

export interface StoredRecord extends NewRecord {
  readonly event_id: string;
  /** Per-vehicle sequence number, strictly increasing, never reused. */
  readonly seq: number;
  readonly vehicle_id: string;
  readonly uploaded: boolean;
}
