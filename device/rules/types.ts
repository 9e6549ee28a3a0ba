/**
 * Inputs and outputs of the pure decision rules. Everything a rule needs is in its input: the
 * pipeline gathers passes, tombstones, the open tap-on and the ride's network facts beforehand.
 */
import type { RuleSettings } from '../config/rules-schema.js';
import type { CardChange, Pass } from '../domain/pass.js';
import type { Reason, Verdict } from '../domain/verdict.js';
import type { ClockState } from './clock-trust.js';

export type { ClockBounds, ClockState } from './clock-trust.js';

export type ReaderRole = 'boarding' | 'alighting';

export interface OpenTapOn {
  readonly event_id: string;
  /** Epoch ms of the tap-on. */
  readonly at: number;
  readonly route: string | null;
  readonly stop: string | null;
  readonly trip: string | null;
  readonly pass_id: string | null;
}

/** Network facts about one free-pass area for this ride. */
export interface AreaFacts {
  /** Is the boarding stop inside the area? null when the boarding stop is unknown. */
  readonly boardingInside: boolean | null;
  /** Is the alighting stop inside the area? null at tap-on or when unknown. */
  readonly alightingInside: boolean | null;
  /** Fare from the last stop inside the area to the alighting stop; null when unknown. */
  readonly outsideFare: number | null;
}

export interface RideFacts {
  /** Route of the ride (tap-on: current route; tap-off: the tap-on's route), null if unknown. */
  readonly route: string | null;
  /** Fare for (route, boarding zone, alighting zone); tap-off only, null when unknown. */
  readonly fare: number | null;
  /** Keyed by GTFS area_id, for every area of the card's free passes. */
  readonly areas: Readonly<Record<string, AreaFacts>>;
}

export interface DecisionInput {
  readonly reader: ReaderRole;
  /** Epoch ms of this tap (from the injected clock). */
  readonly now: number;
  /** The vehicle's operator id. */
  readonly operator: string;
  readonly passes: readonly Pass[];
  readonly changes: readonly CardChange[];
  /** The card's open tap-on on this vehicle, if any (regardless of age: the rule judges age). */
  readonly openTapOn: OpenTapOn | null;
  readonly ride: RideFacts;
  readonly settings: RuleSettings;
  /** The pass list is past its expiry (issue 4); the stale policy decides what that does. */
  readonly listStale: boolean;
  /**
   * Can `now` be trusted (rules/clock-trust.ts judgeClock)? Absent or `ok`/`unchecked`: yes.
   * `before_floor` / `beyond_horizon`: every tap is `attention` / `clock_invalid`.
   */
  readonly clock?: ClockState;
}

export interface Decision {
  readonly verdict: Exclude<Verdict, 'duplicate'>;
  readonly reason: Exclude<Reason, 'duplicate_tap'>;
  /**
   * The pass that decided (for the display: kind, expiry), or null (no_pass, no_tap_on,
   * already_tapped_on, card_changed — the moved pass is no longer on this card).
   */
  readonly pass: Pass | null;
  /** Id of the pass that decided: `pass.pass_id`, or the moved pass's id for card_changed. */
  readonly pass_id: string | null;
  /** Tap-off fare in yen, null at tap-on or when unknown. */
  readonly fare: number | null;
  /** Yen to collect, only when verdict is `excess`. */
  readonly excess: number | null;
  /** What happens to the open tap-on: open a new one, close the current one, or nothing. */
  readonly tapOn: 'open' | 'close' | 'keep';
}

/** Last decided tap of a card on a reader, for the duplicate filter. */
export interface LastTap {
  readonly idm: string;
  readonly reader: ReaderRole;
  readonly at: number;
}
