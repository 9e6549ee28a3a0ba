/**
 * What a publish sends (pure): a delta, a snapshot, or both under the same version. A delta
 * reaches every bus that is online and in step with a few bytes; a snapshot is what any other
 * bus can start from (and what the retained manifest offers a bus that comes back after days).
 *
 * - snapshot only: the first publish, a previous publish that did not finish, a depot list not at
 *   the last published version, or a change too large for one delta (LIMITS.deltaItems);
 * - delta + snapshot: `--full`, a changed network, or `snapshotEvery` deltas since the last one;
 * - delta only: otherwise.
 */
import type { PassChangeCounts } from '../../device/store/types.js';
import { LIMITS } from '../limits.js';
import type { PublishEntry, PublishKind } from './publish-log.js';

export interface PlanInput {
  readonly full: boolean;
  /** The newest publish-log entry, done or not. */
  readonly last: PublishEntry | null;
  /** The version of the depot's own list before this publish. */
  readonly listVersion: number | null;
  readonly deltasSinceSnapshot: number;
  readonly snapshotEvery: number;
  readonly networkChanged: boolean;
  /** The change against the last published list. */
  readonly counts: PassChangeCounts;
}

export interface Plan {
  readonly kind: PublishKind;
  readonly reason: string;
}

export function deltaFits(counts: PassChangeCounts): boolean {
  const upserts = counts.added + counts.updated;
  return (
    upserts <= LIMITS.deltaItems &&
    counts.removed <= LIMITS.deltaItems &&
    counts.cardChanges <= LIMITS.deltaItems
  );
}

export function planPublish(p: PlanInput): Plan {
  if (!p.last) return { kind: 'snapshot', reason: 'first publish' };
  if (p.last.state !== 'done') {
    return { kind: 'snapshot', reason: `publish of version ${p.last.version} did not finish` };
  }
  if (p.listVersion !== p.last.version) {
    return {
      kind: 'snapshot',
      reason: `depot list is at version ${p.listVersion}, last published ${p.last.version}`,
    };
  }
  if (!deltaFits(p.counts)) return { kind: 'snapshot', reason: 'change too large for a delta' };
  if (p.full) return { kind: 'delta+snapshot', reason: '--full' };
  if (p.networkChanged) return { kind: 'delta+snapshot', reason: 'network changed' };
  if (p.deltasSinceSnapshot + 1 >= p.snapshotEvery) {
    return { kind: 'delta+snapshot', reason: `${p.snapshotEvery} deltas since the last snapshot` };
  }
  return { kind: 'delta', reason: 'changes since the last publish' };
}

export const hasDelta = (kind: PublishKind): boolean => kind !== 'snapshot';
export const hasSnapshot = (kind: PublishKind): boolean => kind !== 'delta';
