/**
 * Whether one pass may be used for this ride at all (DESIGN.md rules 1–3): dates, operator,
 * route, free-pass area at tap-on, status. Nothing else — the fare is judged at tap-off only.
 */
import type { RuleSettings } from '../config/rules-schema.js';
import type { Pass } from '../domain/pass.js';
import type { PassRefusal } from './reason-order.js';
import type { AreaFacts, ReaderRole, RideFacts } from './types.js';

export interface PassContext {
  readonly reader: ReaderRole;
  /** The Tokyo day the pass is judged on: the tap-on's day, also at tap-off. */
  readonly day: string;
  readonly operator: string;
  readonly ride: RideFacts;
  readonly settings: RuleSettings;
}

/** Facts of an area; own keys only, so an area id such as "constructor" finds nothing inherited. */
export function areaFacts(ride: RideFacts, area: string): AreaFacts | undefined {
  return Object.hasOwn(ride.areas, area) ? ride.areas[area] : undefined;
}

/**
 * The first check the pass fails, in REASON_ORDER, or null when it covers the ride. Dates are
 * `YYYY-MM-DD` strings, which compare correctly as strings; both ends are inclusive.
 */
export function passRefusal(pass: Pass, ctx: PassContext): PassRefusal | null {
  if (pass.valid_from > ctx.day) return 'not_yet_valid';
  if (pass.valid_until < ctx.day) return 'expired';
  if (!pass.operators.includes(ctx.operator)) return 'operator_not_covered';
  if (ctx.ride.route !== null && ctx.settings.routes_without_passes.includes(ctx.ride.route)) {
    return 'route_not_covered';
  }
  // Only a stop known to be outside refuses: with no stop known the driver still lets the rider on,
  // and the tap-off settles any ride outside the area as excess.
  if (
    pass.area !== null &&
    ctx.reader === 'boarding' &&
    areaFacts(ctx.ride, pass.area)?.boardingInside === false
  ) {
    return 'outside_area';
  }
  if (pass.status === 'suspended') return 'suspended';
  if (pass.status === 'refunded') return 'refunded';
  return null;
}
