/** The pure decision rules (DESIGN.md "Decision rules"): no I/O, no clock, no logger. */
export { bestOutcome, compareCandidates } from './best-outcome.js';
export type { Candidate } from './candidate.js';
export {
  CLOCK_FLOOR_TOLERANCE_MS,
  CLOCK_HORIZON_AFTER_EXPIRY_MS,
  CLOCK_STATES,
  clockBoundsOf,
  clockTrusted,
  judgeClock,
  type ListTimes,
  NO_CLOCK_BOUNDS,
} from './clock-trust.js';
export { JST_OFFSET_MS, jstDate } from './dates.js';
export { decide } from './decide.js';
export { isDuplicate } from './duplicate.js';
export { liveTapOn } from './open-tap-on.js';
export { type PassContext, passRefusal } from './pass-checks.js';
export { type PassRefusal, REASON_ORDER, type RefusalReason, reasonRank } from './reason-order.js';
export type * from './types.js';
