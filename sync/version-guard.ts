import type { ListInfo } from '../device/store/types.js';
import { checkExpiry } from './freshness.js';
import { LIMITS } from './limits.js';
import { isSyncRejection, SyncRejection } from './rejection.js';

/**
 * What a bus does with a verified list message, given the list in force. Pure: no clock read, no
 * store; the caller passes `now` and the store's ListInfo.
 *
 * - delta  from = current      → apply (to = current + 1, guaranteed by the schema)
 * - delta  to ≤ current        → ignore (replay: already applied, or redelivered)
 * - delta  from > current      → resync (gap: deltas were missed; ask for a snapshot)
 * - delta  on no depot list    → resync (a delta needs a base)
 * - snapshot version > current → accept (a snapshot replaces everything, gaps included)
 * - snapshot version = current → ignore (the retained manifest, seen again on reconnect)
 * - snapshot version < current → refuse rollback
 * - anything past its expiry, or valid absurdly long → refuse expired
 *
 * A list made by a local import (`source: 'import'`) is not on the depot's version line: the
 * first depot snapshot replaces it whatever the numbers, and deltas wait for that snapshot.
 */
export type ListPosition = Pick<ListInfo, 'version' | 'source'>;

export type GuardDecision =
  | { readonly action: 'apply_delta'; readonly version: number }
  | { readonly action: 'accept_snapshot'; readonly version: number }
  | { readonly action: 'ignore'; readonly code: 'replay'; readonly version: number }
  | {
      readonly action: 'resync';
      readonly code: 'gap';
      readonly reason: 'gap' | 'no_list';
      readonly have: number | null;
      readonly want: number;
    }
  | { readonly action: 'refuse'; readonly rejection: SyncRejection };

export interface DeltaHead {
  readonly from_version: number;
  readonly to_version: number;
  readonly expires_at: string;
}

export interface SnapshotHead {
  readonly version: number;
  readonly expires_at: string;
}

export interface GuardOptions {
  readonly maxLifetimeMs?: number;
}

function syncedVersion(current: ListPosition): number | null {
  return current.source === 'sync' ? current.version : null;
}

function expiryRefusal(
  expiresAt: string,
  now: number,
  what: string,
  options: GuardOptions,
): GuardDecision | null {
  try {
    checkExpiry(expiresAt, now, options.maxLifetimeMs ?? LIMITS.maxListLifetimeMs, what);
    return null;
  } catch (err) {
    if (isSyncRejection(err)) return { action: 'refuse', rejection: err };
    throw err;
  }
}

export function judgeDelta(
  current: ListPosition,
  delta: DeltaHead,
  now: number,
  options: GuardOptions = {},
): GuardDecision {
  if (delta.to_version !== delta.from_version + 1) {
    return {
      action: 'refuse',
      rejection: new SyncRejection('malformed', 'delta versions are not contiguous'),
    };
  }
  const have = syncedVersion(current);
  // An old delta is a replay whatever its expiry: counting it as "expired" would mislead.
  if (have !== null && delta.to_version <= have)
    return { action: 'ignore', code: 'replay', version: delta.to_version };
  const expired = expiryRefusal(delta.expires_at, now, `delta ${delta.to_version}`, options);
  if (expired) return expired;
  if (have === null)
    return { action: 'resync', code: 'gap', reason: 'no_list', have: null, want: delta.to_version };
  if (delta.from_version === have) return { action: 'apply_delta', version: delta.to_version };
  return { action: 'resync', code: 'gap', reason: 'gap', have, want: delta.to_version };
}

export function judgeSnapshot(
  current: ListPosition,
  manifest: SnapshotHead,
  now: number,
  options: GuardOptions = {},
): GuardDecision {
  const have = syncedVersion(current);
  if (have !== null && manifest.version === have)
    return { action: 'ignore', code: 'replay', version: manifest.version };
  if (have !== null && manifest.version < have) {
    return {
      action: 'refuse',
      rejection: new SyncRejection(
        'rollback',
        `snapshot ${manifest.version} is older than list ${have} in force`,
      ),
    };
  }
  const expired = expiryRefusal(manifest.expires_at, now, `snapshot ${manifest.version}`, options);
  if (expired) return expired;
  return { action: 'accept_snapshot', version: manifest.version };
}
