/**
 * Why a sync message was refused, by meaning, so the bus can count `sync.rejected` per code and the
 * depot's fleet view can tell a forged list from a stale one.
 */
export const SYNC_REJECTION_CODES = [
  /** Signed by a key the bus does not pin (or an unsupported algorithm). */
  'unknown_key',
  /** The signature does not verify over the payload bytes (forged, truncated, altered). */
  'bad_signature',
  /** Not the shape its schema demands (bad JSON, wrong field, inconsistent numbers). */
  'malformed',
  /** A message or a length claim above the bound of its boundary, refused before allocating. */
  'too_large',
  /** Past its expiry, or an expiry absurdly far away. */
  'expired',
  /** A snapshot older than the list in force. */
  'rollback',
  /** A delta already applied (old, or delivered again). */
  'replay',
  /** A delta that does not follow the list in force: the bus needs a snapshot. */
  'gap',
  /** A chunk or the whole snapshot does not match the signed manifest's hashes or sizes. */
  'hash_mismatch',
  /** Signed and whole, but a change too large to be believed (most passes gone at once). */
  'implausible',
] as const;
export type SyncRejectionCode = (typeof SYNC_REJECTION_CODES)[number];

export class SyncRejection extends Error {
  override readonly name = 'SyncRejection';

  constructor(
    readonly code: SyncRejectionCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

export function isSyncRejection(err: unknown): err is SyncRejection {
  return err instanceof SyncRejection;
}
