import type { Pass } from '../domain/pass.js';
import type { Candidate } from './candidate.js';

/**
 * A covering pass at tap-on: accept. The fare is not known until tap-off, so an amount pass is
 * not judged on it yet (DESIGN.md rule 3).
 */
export function tapOnOutcome(pass: Pass): Candidate {
  return { verdict: 'accept', reason: 'ok', pass, excess: null };
}
