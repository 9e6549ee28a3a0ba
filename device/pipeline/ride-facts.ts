/**
 * Gathers the network facts a decision needs (fare, free-pass areas) so the rules stay pure.
 * Only what the rules can use is looked up: no fare at tap-on, no facts at a tap-off without an
 * open tap-on (the rules answer no_tap_on whatever the network says).
 */
import type { CurrentStop } from '../../hardware/ports/stop-source.js';
import type { AreaFacts, OpenTapOn, ReaderRole, RideFacts } from '../rules/types.js';
import type { NetworkLookup } from '../store/types.js';

const NO_FACTS: RideFacts = { route: null, fare: null, areas: {} };

function fareBetween(net: NetworkLookup, route: string, from: string, to: string): number | null {
  const a = net.stop(from);
  const b = net.stop(to);
  if (!a?.zone_id || !b?.zone_id) return null;
  return net.fare(route, a.zone_id, b.zone_id);
}

/** Known stop inside the area? null when the stop is unknown to the network. */
function inside(net: NetworkLookup, stop: string | null, area: string): boolean | null {
  if (stop === null || net.stop(stop) === null) return null;
  return net.stopInArea(stop, area);
}

/**
 * Fare of the part of the ride outside a free pass's area: from the last stop inside the area
 * (on the way from boarding to alighting) to the alighting stop (DESIGN.md rule 4).
 */
function outsideFare(
  net: NetworkLookup,
  route: string,
  trip: string | null,
  boarding: string,
  alighting: string,
  area: string,
): number | null {
  const path = net.stopsBetween(route, trip, boarding, alighting);
  if (!path) return null;
  let lastInside: string | null = null;
  for (let i = 0; i < path.length - 1; i++) {
    const s = path[i];
    if (s !== undefined && net.stopInArea(s, area)) lastInside = s;
  }
  // Boarded outside the area (possible only when the boarding stop was unknown at tap-on):
  // the whole ride is outside.
  return fareBetween(net, route, lastInside ?? boarding, alighting);
}

export function rideFacts(
  net: NetworkLookup,
  reader: ReaderRole,
  current: CurrentStop | null,
  openTapOn: OpenTapOn | null,
  areas: readonly string[],
): RideFacts {
  if (reader === 'boarding') {
    const stop = current?.stop_id ?? null;
    const facts: Record<string, AreaFacts> = {};
    for (const area of areas) {
      facts[area] = { boardingInside: inside(net, stop, area), alightingInside: null, outsideFare: null };
    }
    return { route: current?.route_id ?? null, fare: null, areas: facts };
  }
  if (!openTapOn) return NO_FACTS;
  const route = openTapOn.route;
  const boarding = openTapOn.stop;
  const alighting = current?.stop_id ?? null;
  const fare = route && boarding && alighting ? fareBetween(net, route, boarding, alighting) : null;
  const facts: Record<string, AreaFacts> = {};
  for (const area of areas) {
    const alightingInside = inside(net, alighting, area);
    facts[area] = {
      boardingInside: inside(net, boarding, area),
      alightingInside,
      outsideFare:
        alightingInside === false && route && boarding && alighting
          ? outsideFare(net, route, openTapOn.trip, boarding, alighting, area)
          : null,
    };
  }
  return { route, fare, areas: facts };
}
