/** Verdicts and reasons: the contract of DESIGN.md "Decision rules", names fixed. */
export type Verdict = 'accept' | 'excess' | 'reject' | 'attention' | 'duplicate';

export const REJECT_REASONS = [
  'not_yet_valid',
  'expired',
  'operator_not_covered',
  'route_not_covered',
  'outside_area',
  'suspended',
  'refunded',
  'card_changed',
  'no_pass',
  'already_tapped_on',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const ATTENTION_REASONS = ['no_tap_on', 'fare_unknown', 'list_stale', 'clock_invalid'] as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[number];

export type Reason = 'ok' | 'excess_fare' | 'duplicate_tap' | RejectReason | AttentionReason;
