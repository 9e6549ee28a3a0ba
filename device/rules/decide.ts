/**
 * One tap judged against the card's passes: DESIGN.md "Decision rules", in the order of rule 7
 * (the caller has already filtered duplicates).
 */
import { bestOutcome } from './best-outcome.js';
import { type Candidate, candidatePassId } from './candidate.js';
import { clockTrusted } from './clock-trust.js';
import { jstDate } from './dates.js';
import { liveTapOn } from './open-tap-on.js';
import { type PassContext, passRefusal } from './pass-checks.js';
import { tapOffOutcome } from './tap-off.js';
import { tapOnOutcome } from './tap-on.js';
import type { Decision, DecisionInput } from './types.js';

const ALREADY_TAPPED_ON: Decision = {
  verdict: 'reject',
  reason: 'already_tapped_on',
  pass: null,
  pass_id: null,
  fare: null,
  excess: null,
  tapOn: 'keep',
};

const NO_TAP_ON: Decision = {
  verdict: 'attention',
  reason: 'no_tap_on',
  pass: null,
  pass_id: null,
  fare: null,
  excess: null,
  tapOn: 'keep',
};

function candidates(input: DecisionInput, ctx: PassContext): Candidate[] {
  const out: Candidate[] = [];
  for (const pass of input.passes) {
    const refusal = passRefusal(pass, ctx);
    if (refusal !== null) out.push({ verdict: 'reject', reason: refusal, pass, excess: null });
    else if (ctx.reader === 'boarding') out.push(tapOnOutcome(pass));
    else out.push(tapOffOutcome(pass, input.ride, input.settings));
  }
  // A tombstone answers card_changed until the moved pass expires (rule 6).
  for (const change of input.changes) {
    if (change.valid_until >= ctx.day) {
      out.push({
        verdict: 'reject',
        reason: 'card_changed',
        pass: null,
        pass_id: change.pass_id,
        excess: null,
      });
    }
  }
  return out;
}

/** The best outcome among the card's passes and tombstones, judged on `day`. */
function bestOn(input: DecisionInput, day: string): Candidate | undefined {
  const { reader, operator, ride, settings } = input;
  return bestOutcome(candidates(input, { reader, day, operator, ride, settings }), reader);
}

/**
 * The clock is outside the bounds the lists give it: dates, ride ages and tombstones cannot be
 * judged, so neither accept nor refuse. The driver checks the pass by hand; the pass shown is the
 * best one by the (untrusted) date, for its kind and validity dates. The ride is still tracked:
 * a tap-on opens one, a tap-off closes the card's open one.
 */
function clockInvalid(input: DecisionInput): Decision {
  const { reader } = input;
  const best = bestOn(input, jstDate(input.now));
  return {
    verdict: 'attention',
    reason: 'clock_invalid',
    pass: best?.pass ?? null,
    pass_id: best ? candidatePassId(best) : null,
    fare: reader === 'alighting' ? input.ride.fare : null,
    excess: null,
    tapOn: reader === 'alighting' ? 'close' : 'open',
  };
}

export function decide(input: DecisionInput): Decision {
  const { reader, now, settings } = input;
  if (input.clock !== undefined && !clockTrusted(input.clock)) return clockInvalid(input);
  const open = liveTapOn(input.openTapOn, now, settings);
  if (reader === 'boarding' && open !== null) return ALREADY_TAPPED_ON;
  if (reader === 'alighting' && open === null) return NO_TAP_ON;

  // Rule 1: a tap-off is judged with its tap-on's day, so a ride across midnight keeps its pass.
  const best = bestOn(input, jstDate(open === null ? now : open.at));

  const fare = reader === 'alighting' ? input.ride.fare : null;
  const tapOn: Decision['tapOn'] =
    reader === 'alighting' ? 'close' : best?.verdict === 'accept' ? 'open' : 'keep';
  if (best === undefined) {
    return { verdict: 'reject', reason: 'no_pass', pass: null, pass_id: null, fare, excess: null, tapOn };
  }

  const stale = input.listStale && settings.stale_policy === 'attention' && best.verdict === 'accept';
  return {
    verdict: stale ? 'attention' : best.verdict,
    reason: stale ? 'list_stale' : best.reason,
    pass: best.pass,
    pass_id: candidatePassId(best),
    fare,
    excess: best.verdict === 'excess' ? best.excess : null,
    tapOn,
  };
}
