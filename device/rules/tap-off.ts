/** A covering pass at tap-off: the fare against its amount, or the alighting stop against its area. */
import type { RuleSettings } from '../config/rules-schema.js';
import type { Pass } from '../domain/pass.js';
import type { Candidate } from './candidate.js';
import { areaFacts } from './pass-checks.js';
import type { RideFacts } from './types.js';

function fareUnknown(pass: Pass): Candidate {
  return { verdict: 'attention', reason: 'fare_unknown', pass, excess: null };
}

/**
 * Amount pass: fare ≤ fare_limit accepts, else the excess per `excess_rule`. Free pass: alighting
 * inside its area accepts, else the fare of the part outside (excess_rule does not apply: the
 * network already gives that part's fare). Anything the network could not tell → fare_unknown.
 */
export function tapOffOutcome(pass: Pass, ride: RideFacts, settings: RuleSettings): Candidate {
  if (pass.area !== null) {
    const facts = areaFacts(ride, pass.area);
    if (facts?.alightingInside === true) return { verdict: 'accept', reason: 'ok', pass, excess: null };
    if (facts?.alightingInside === false && facts.outsideFare !== null) {
      return { verdict: 'excess', reason: 'excess_fare', pass, excess: facts.outsideFare };
    }
    return fareUnknown(pass);
  }
  // A pass with neither area nor amount breaks the sales contract; asking the driver is safer
  // than guessing either way.
  if (ride.fare === null || pass.fare_limit === null) return fareUnknown(pass);
  if (ride.fare <= pass.fare_limit) return { verdict: 'accept', reason: 'ok', pass, excess: null };
  const excess = settings.excess_rule === 'full_fare' ? ride.fare : ride.fare - pass.fare_limit;
  return { verdict: 'excess', reason: 'excess_fare', pass, excess };
}
