import { describe, expect, it } from 'vitest';
import { SyncRejection } from '../../../sync/rejection.js';
import { checkDeltaSize, checkSnapshotSize } from '../../../sync/sanity.js';

describe('list size sanity', () => {
  it('refuses a snapshot that would drop more than half of the passes in force', () => {
    expect(() => checkSnapshotSize(10_000, { version: 9, passes: 4_000 })).toThrow(SyncRejection);
    expect(() => checkSnapshotSize(10_000, { version: 9, passes: 4_000 })).toThrow(/implausible: snapshot 9/);
    expect(() => checkSnapshotSize(10_000, { version: 9, passes: 5_000 })).not.toThrow();
    expect(() => checkSnapshotSize(10_000, { version: 9, passes: 30_000 })).not.toThrow();
  });

  it('believes any first list and small fleets', () => {
    expect(() => checkSnapshotSize(null, { version: 1, passes: 0 })).not.toThrow();
    expect(() => checkSnapshotSize(999, { version: 2, passes: 0 })).not.toThrow();
  });

  it('applies the same bound to a delta removing passes, with a configurable ratio', () => {
    const removals = new Array(3_000).fill('P');
    expect(() => checkDeltaSize(10_000, { to_version: 5, removals })).not.toThrow();
    expect(() => checkDeltaSize(10_000, { to_version: 5, removals }, { maxDropRatio: 0.2 })).toThrow(
      /delta 5/,
    );
  });
});
