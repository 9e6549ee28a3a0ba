/**
 * The version stamp of the pass list in force (meta table): every write moves it forward, so a
 * bus and the depot can tell lists apart and sync can refuse a rollback.
 */
import { META } from './list-schema.js';
import type { MetaTable } from './meta-table.js';

export interface ListWriteOptions {
  /** The list version once written; default: the current one + 1. Must be above the current one. */
  readonly version?: number;
  /** 'import' (local file, the default) or 'sync' (from the depot). */
  readonly source?: 'import' | 'sync';
  /** ISO expiry of the list from a depot manifest; null (default) for local imports. */
  readonly expiresAt?: string | null;
  /**
   * Take `version` even if it is not after the one in force, provided that list is not a depot
   * list (`source` other than 'sync'): the first depot snapshot replaces a local import whatever
   * the numbers, since the two count on different lines (sync/version-guard.ts).
   */
  readonly rebase?: boolean;
  /**
   * Write the depot list in force again under its own version: the nightly full check repairs a
   * list that differs from the depot's latest snapshot of the same version (sync/README.md).
   */
  readonly recheck?: boolean;
}

/** The version this write will set; throws (before any work) if it would not move forward. */
export function nextListVersion(meta: MetaTable, opts: ListWriteOptions): number {
  const current = meta.getInt(META.listVersion);
  const next = opts.version ?? (current ?? 0) + 1;
  if (!Number.isSafeInteger(next) || next < 1)
    throw new Error(`list version ${next} is not a positive integer`);
  const rebasing = opts.rebase === true && meta.get(META.listSource) !== 'sync';
  const rechecking = opts.recheck === true && next === current && meta.get(META.listSource) === 'sync';
  if (current !== null && next <= current && !rebasing && !rechecking) {
    throw new Error(`list version ${next} is not after the version in force (${current})`);
  }
  return next;
}

/** Stamps the list in force; call inside the write's transaction. */
export function stampList(meta: MetaTable, version: number, opts: ListWriteOptions, nowMs: number): void {
  meta.set(META.listVersion, version);
  meta.set(META.listAppliedAt, new Date(nowMs).toISOString());
  meta.set(META.listSource, opts.source ?? 'import');
  meta.set(META.listExpiresAt, opts.expiresAt ?? null);
}
