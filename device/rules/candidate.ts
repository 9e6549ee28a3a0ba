/**
 * What one pass (or one card-change tombstone) would make of this tap, before the best one is
 * chosen. Each shape carries exactly what its verdict needs, so the chooser cannot mix them up.
 */
import type { Pass } from '../domain/pass.js';
import type { PassRefusal } from './reason-order.js';

export type Candidate =
  | { readonly verdict: 'accept'; readonly reason: 'ok'; readonly pass: Pass; readonly excess: null }
  | {
      readonly verdict: 'excess';
      readonly reason: 'excess_fare';
      readonly pass: Pass;
      readonly excess: number;
    }
  | {
      readonly verdict: 'attention';
      readonly reason: 'fare_unknown';
      readonly pass: Pass;
      readonly excess: null;
    }
  | { readonly verdict: 'reject'; readonly reason: PassRefusal; readonly pass: Pass; readonly excess: null }
  | {
      readonly verdict: 'reject';
      readonly reason: 'card_changed';
      readonly pass: null;
      /** The moved pass: it is no longer on this card, only its id is known. */
      readonly pass_id: string;
      readonly excess: null;
    };

/** The id a candidate reports: the pass's, or the moved pass's for a tombstone. */
export function candidatePassId(c: Candidate): string {
  return c.pass === null ? c.pass_id : c.pass.pass_id;
}
