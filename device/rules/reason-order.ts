/**
 * The order in which reasons are reported when no pass covers the ride (DESIGN.md rule 5): the
 * earliest reason that applies wins, so the driver hears about the most fundamental problem first.
 */
export const REASON_ORDER = [
  'not_yet_valid',
  'expired',
  'operator_not_covered',
  'route_not_covered',
  'outside_area',
  'suspended',
  'refunded',
  'card_changed',
  'no_pass',
] as const;

export type RefusalReason = (typeof REASON_ORDER)[number];

/** A reason one pass of the card can give by itself (card_changed and no_pass are not per pass). */
export type PassRefusal = Exclude<RefusalReason, 'card_changed' | 'no_pass'>;

const RANK: Readonly<Record<RefusalReason, number>> = Object.fromEntries(
  REASON_ORDER.map((reason, i) => [reason, i]),
) as Record<RefusalReason, number>;

/** Position of a reason in REASON_ORDER: lower is reported first. */
export function reasonRank(reason: RefusalReason): number {
  return RANK[reason];
}
