/**
 * Several passes on one card: the best outcome wins (DESIGN.md rule 5). The order is total, so the
 * decision does not depend on the order the store returns passes in.
 */
import type { Pass } from '../domain/pass.js';
import { type Candidate, candidatePassId } from './candidate.js';
import { reasonRank } from './reason-order.js';
import type { ReaderRole } from './types.js';

const VERDICT_RANK: Readonly<Record<Candidate['verdict'], number>> = {
  accept: 0,
  excess: 1,
  attention: 2,
  reject: 3,
};

// Code-unit order, not localeCompare: the same on every machine and locale.
function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Later valid_until first: the display then shows the pass that lasts longest. */
function byLaterExpiry(a: Pass, b: Pass): number {
  return byString(b.valid_until, a.valid_until);
}

/**
 * Tap-on: a free pass first (it covers any ride in its area whatever the fare), then the larger
 * amount, so the pass recorded at tap-on is the one most likely to cover the ride.
 */
function byTapOnStrength(a: Pass, b: Pass): number {
  const free = Number(b.area !== null) - Number(a.area !== null);
  if (free !== 0) return free;
  return (b.fare_limit ?? 0) - (a.fare_limit ?? 0);
}

function withinVerdict(a: Candidate, b: Candidate, reader: ReaderRole): number {
  if (a.verdict === 'accept' && b.verdict === 'accept') {
    const strength = reader === 'boarding' ? byTapOnStrength(a.pass, b.pass) : 0;
    return strength !== 0 ? strength : byLaterExpiry(a.pass, b.pass);
  }
  if (a.verdict === 'excess' && b.verdict === 'excess') return a.excess - b.excess;
  if (a.verdict === 'attention' && b.verdict === 'attention') return byLaterExpiry(a.pass, b.pass);
  if (a.verdict === 'reject' && b.verdict === 'reject') return reasonRank(a.reason) - reasonRank(b.reason);
  return 0;
}

/** Negative when `a` is the better outcome. */
export function compareCandidates(a: Candidate, b: Candidate, reader: ReaderRole): number {
  const verdict = VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict];
  if (verdict !== 0) return verdict;
  const within = withinVerdict(a, b, reader);
  if (within !== 0) return within;
  return byString(candidatePassId(a), candidatePassId(b));
}

/** The best candidate, or undefined when there is none (the card has no pass: no_pass). */
export function bestOutcome(candidates: readonly Candidate[], reader: ReaderRole): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of candidates) {
    if (best === undefined || compareCandidates(c, best, reader) < 0) best = c;
  }
  return best;
}
