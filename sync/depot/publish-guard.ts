/**
 * The depot's sanity guard (DOMAIN.md, the July 2008 Oyster lesson): an export that would take
 * away more than a set share of the active passes last published is refused before anything is
 * signed, unless a person says `--force`. The check itself is sync/sanity.ts, shared with the
 * buses (which run it again on what they receive).
 */
import { isSyncRejection } from '../rejection.js';
import { checkSnapshotSize, type SanityOptions } from '../sanity.js';

export class PublishRefusedError extends Error {
  override readonly name = 'PublishRefusedError';
}

export interface DropGuardInput {
  readonly version: number;
  /** Active passes in the list last published (null: nothing published yet). */
  readonly activeBefore: number | null;
  readonly activeAfter: number;
  readonly force: boolean;
  readonly sanity: SanityOptions;
}

/** Throws PublishRefusedError; returns a warning text when `force` let a drop through. */
export function guardActiveDrop(g: DropGuardInput): string | null {
  try {
    checkSnapshotSize(g.activeBefore, { version: g.version, passes: g.activeAfter }, g.sanity);
    return null;
  } catch (err) {
    if (!isSyncRejection(err)) throw err;
    const share = Math.round((g.sanity.maxDropRatio ?? 0.5) * 100);
    const what =
      `the export leaves ${g.activeAfter} active passes of the ${g.activeBefore} last published ` +
      `(more than ${share}% gone)`;
    if (g.force) return `${what}; published anyway (--force)`;
    throw new PublishRefusedError(
      `refusing to publish: ${what}. A cut-short export would block good cards on every bus; ` +
        'check the export, or publish it with --force if the drop is real',
    );
  }
}
