import { describe, expect, it } from 'vitest';
import type { PublishEntry } from '../../../sync/depot/publish-log.js';
import { planPublish } from '../../../sync/depot/publish-plan.js';

const counts = (
  over: Partial<{ added: number; updated: number; removed: number; cardChanges: number }> = {},
) => ({
  total: 0,
  added: 0,
  updated: 0,
  removed: 0,
  unchanged: 0,
  cardChanges: 0,
  byStatus: {},
  ...over,
});

const entry = (version: number, state: 'started' | 'done' = 'done'): PublishEntry => ({
  version,
  kind: 'delta',
  state,
  started_at: '2026-04-01T00:00:00.000Z',
  done_at: null,
  expires_at: '2026-04-04T00:00:00.000Z',
  network_version: 'n1',
  passes: 1,
  active: 1,
  chunks_retained: 0,
  delta_retained: 1,
  sha256: null,
});

const base = {
  full: false,
  last: entry(7),
  listVersion: 7,
  deltasSinceSnapshot: 2,
  snapshotEvery: 10,
  networkChanged: false,
  counts: counts({ updated: 3 }),
};

describe('depot publish plan', () => {
  it('sends a delta when in step and nothing makes a snapshot due', () => {
    expect(planPublish(base).kind).toBe('delta');
  });

  it('starts with a snapshot, and after a publish that did not finish', () => {
    expect(planPublish({ ...base, last: null })).toEqual({ kind: 'snapshot', reason: 'first publish' });
    expect(planPublish({ ...base, last: entry(8, 'started') }).kind).toBe('snapshot');
    expect(planPublish({ ...base, listVersion: 6 }).kind).toBe('snapshot');
  });

  it('sends only a snapshot when the change is too large for one delta', () => {
    expect(planPublish({ ...base, counts: counts({ removed: 20_001 }) })).toEqual({
      kind: 'snapshot',
      reason: 'change too large for a delta',
    });
  });

  it('adds a snapshot on --full, a changed network, and every N deltas', () => {
    expect(planPublish({ ...base, full: true }).kind).toBe('delta+snapshot');
    expect(planPublish({ ...base, networkChanged: true }).reason).toBe('network changed');
    expect(planPublish({ ...base, deltasSinceSnapshot: 9 }).kind).toBe('delta+snapshot');
    expect(planPublish({ ...base, deltasSinceSnapshot: 8 }).kind).toBe('delta');
  });
});
