import { LIMITS } from './limits.js';
import { SyncRejection } from './rejection.js';

/**
 * A list (snapshot manifest or delta) is in force only until its `expires_at`. One already past
 * is refused (`expired`): a replayed old manifest must not look current. One valid for longer
 * than `maxLifetimeMs` from now is refused too (`expired`, "too far"): a signing mistake or a
 * stolen key should not be able to pin a list on the fleet for a year.
 */
export function checkExpiry(
  expiresAt: string,
  now: number,
  maxLifetimeMs: number = LIMITS.maxListLifetimeMs,
  what = 'list',
): void {
  const expires = Date.parse(expiresAt);
  if (!Number.isFinite(expires)) throw new SyncRejection('malformed', `${what}: expires_at is not a time`);
  if (expires <= now) {
    throw new SyncRejection('expired', `${what} expired at ${expiresAt}`);
  }
  if (expires - now > maxLifetimeMs) {
    throw new SyncRejection(
      'expired',
      `${what} expiry ${expiresAt} is more than ${Math.round(maxLifetimeMs / 86_400_000)} days away`,
    );
  }
}
