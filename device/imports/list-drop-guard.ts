/**
 * The list-drop guard (DOMAIN.md, the July 2008 Oyster lesson): an export that would take away
 * more than a set share of the active passes in force is refused before it replaces them, unless
 * a person says `--force`. ONE rule for `teiki passes import` on a bus and `teiki depot publish`
 * (sync/depot/publish-guard.ts calls it), and the buses' own check of what they receive
 * (sync/sanity.ts) uses the same defaults and arithmetic. Pure.
 */

export interface DropGuardOptions {
  /** Largest share of the active passes in force a new list may drop at once (default 0.5). */
  readonly maxDropRatio?: number;
  /** Below this many passes in force, any change is believed (a new depot, a test fleet). */
  readonly minPassesToCheck?: number;
}

export const DROP_GUARD_DEFAULTS = { maxDropRatio: 0.5, minPassesToCheck: 1_000 } as const;

/** How far a new count falls from the one in force, when it falls too far; else null. */
export interface ListDrop {
  readonly before: number;
  readonly after: number;
  /** Share of `before` that would go, 0..1. */
  readonly share: number;
  readonly maxDropRatio: number;
}

export function excessiveDrop(
  before: number | null,
  after: number,
  options: DropGuardOptions = {},
): ListDrop | null {
  const maxDropRatio = options.maxDropRatio ?? DROP_GUARD_DEFAULTS.maxDropRatio;
  const min = options.minPassesToCheck ?? DROP_GUARD_DEFAULTS.minPassesToCheck;
  if (before === null || before < min) return null;
  const dropped = before - after;
  if (dropped <= before * maxDropRatio) return null;
  return { before, after, share: dropped / before, maxDropRatio };
}

/** A list refused by the guard; the CLI prints the message and exits 2. */
export class ListDropRefusedError extends Error {
  override readonly name = 'ListDropRefusedError';
  constructor(
    message: string,
    readonly drop: ListDrop,
  ) {
    super(message);
  }
}

export interface DropGuardInput {
  /** `publish` (depot) or `import` (a bus's local list): the verb of the message. */
  readonly action: 'publish' | 'import';
  /** Active passes in the list in force (null: none yet). */
  readonly activeBefore: number | null;
  readonly activeAfter: number;
  readonly force: boolean;
  readonly options?: DropGuardOptions;
}

/**
 * Throws ListDropRefusedError when the export drops too much and `force` is not set; returns the
 * warning to print when `force` let such a drop through, else null.
 */
export function guardActiveDrop(g: DropGuardInput): string | null {
  const drop = excessiveDrop(g.activeBefore, g.activeAfter, g.options);
  if (drop === null) return null;
  const where = g.action === 'publish' ? 'last published' : 'in force';
  const what =
    `the export leaves ${drop.after} active passes of the ${drop.before} ${where} ` +
    `(${Math.round(drop.share * 100)}% gone, more than the ${Math.round(drop.maxDropRatio * 100)}% allowed)`;
  const done = g.action === 'publish' ? 'published' : 'imported';
  if (g.force) return `${what}; ${done} anyway (--force)`;
  throw new ListDropRefusedError(
    `refusing to ${g.action}: ${what}. A cut-short export would refuse good cards` +
      `${g.action === 'publish' ? ' on every bus' : ''}; check the export, or ${g.action} it with ` +
      '--force if the drop is real',
    drop,
  );
}
