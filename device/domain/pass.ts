/**
 * A pass as the bus knows it (one sales-export row, validated). The zod schema of the boundary is
 * in device/imports/sales-row.ts; this file holds only the domain types, so pure rules can import it.
 */
export const PASS_KINDS = ['commuter', 'student_free', 'student', 'disability'] as const;
export type PassKind = (typeof PASS_KINDS)[number];

export const PASS_STATUSES = ['active', 'refunded', 'suspended'] as const;
export type PassStatus = (typeof PASS_STATUSES)[number];

export interface Pass {
  readonly pass_id: string;
  /** JW + 15 digits. Personal: log only masked (device/log/mask.ts). */
  readonly card_number: string;
  /** 16 lowercase hex characters. */
  readonly idm: string;
  readonly kind: PassKind;
  readonly issuer: string;
  readonly operators: readonly string[];
  /** YYYY-MM-DD, inclusive, Asia/Tokyo calendar day. */
  readonly valid_from: string;
  readonly valid_until: string;
  /** Whole yen; null for a free pass. */
  readonly fare_limit: number | null;
  /** GTFS area_id; set only for a free pass. */
  readonly area: string | null;
  readonly status: PassStatus;
}

/** A card a pass moved away from (change of card): answers `card_changed` until the pass expires. */
export interface CardChange {
  /** The old card's IDm, lowercase. */
  readonly idm: string;
  readonly pass_id: string;
  readonly valid_until: string;
}
