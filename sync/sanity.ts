import { type DropGuardOptions, excessiveDrop } from '../device/imports/list-drop-guard.js';
import { SyncRejection } from './rejection.js';

/**
 * The Oyster lesson (DOMAIN.md "Lists on vehicles", July 2008): a list can be signed and whole
 * and still be wrong, e.g. an export cut short at the back office. Before a new list replaces the
 * one in force, its size is compared with it; a list that would drop most passes at once is
 * refused (`implausible`) and the old one stays in force until someone looks. Pure: the counts
 * come from the store and the manifest or delta.
 */
/** The rule and its defaults are the local import's and the depot's (device/imports/list-drop-guard.ts). */
export type SanityOptions = DropGuardOptions;

function check(current: number | null, remaining: number, what: string, options: SanityOptions): void {
  const drop = excessiveDrop(current, remaining, options);
  if (drop !== null) {
    throw new SyncRejection(
      'implausible',
      `${what} would leave ${remaining} of ${current} passes (more than ${Math.round(drop.maxDropRatio * 100)}% gone)`,
    );
  }
}

/** A snapshot replaces the whole list: compare its pass count with the passes in force. */
export function checkSnapshotSize(
  currentPasses: number | null,
  manifest: { readonly version: number; readonly passes: number },
  options: SanityOptions = {},
): void {
  check(currentPasses, manifest.passes, `snapshot ${manifest.version}`, options);
}

/** A delta removes passes outright: refunds arrive as upserts with a status, not as removals. */
export function checkDeltaSize(
  currentPasses: number | null,
  delta: { readonly to_version: number; readonly removals: readonly unknown[] },
  options: SanityOptions = {},
): void {
  if (currentPasses === null) return;
  check(currentPasses, currentPasses - delta.removals.length, `delta ${delta.to_version}`, options);
}
