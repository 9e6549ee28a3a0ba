/**
 * The depot's sanity guard (DOMAIN.md, the July 2008 Oyster lesson): an export that would take
 * away more than a set share of the active passes last published is refused before anything is
 * signed, unless a person says `--force`. The rule is device/imports/list-drop-guard.ts, the same
 * one `teiki passes import` applies to a bus's local list; the buses run sync/sanity.ts (same
 * arithmetic) again on what they receive.
 */
import { guardActiveDrop as guard, ListDropRefusedError } from '../../device/imports/list-drop-guard.js';
import type { SanityOptions } from '../sanity.js';

/** What the guard throws (the CLI's exit 2); the same class as a refused local import. */
export const PublishRefusedError = ListDropRefusedError;
export type PublishRefusedError = ListDropRefusedError;

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
  return guard({
    action: 'publish',
    activeBefore: g.activeBefore,
    activeAfter: g.activeAfter,
    force: g.force,
    options: g.sanity,
  });
}
