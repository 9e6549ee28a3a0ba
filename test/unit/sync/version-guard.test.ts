import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeDelta, judgeSnapshot, type ListPosition } from '../../../sync/version-guard.js';
import { DAY, NOW } from './fixtures.js';

const soon = new Date(NOW + 2 * DAY).toISOString();
const synced = (version: number): ListPosition => ({ version, source: 'sync' });
const delta = (from: number, expires_at = soon) => ({ from_version: from, to_version: from + 1, expires_at });
const snapshot = (version: number, expires_at = soon) => ({ version, expires_at });
const version = fc.integer({ min: 1, max: 1_000_000 });

describe('version guard: deltas', () => {
  it('applies exactly the next version', () => {
    expect(judgeDelta(synced(41), delta(41), NOW)).toEqual({ action: 'apply_delta', version: 42 });
  });

  it('ignores a delta already applied (replay), whatever its age', () => {
    expect(judgeDelta(synced(41), delta(40), NOW)).toMatchObject({
      action: 'ignore',
      code: 'replay',
      version: 41,
    });
    const stale = new Date(NOW - DAY).toISOString();
    expect(judgeDelta(synced(41), delta(3, stale), NOW)).toMatchObject({ action: 'ignore', code: 'replay' });
  });

  it('asks for a snapshot when versions were skipped (gap)', () => {
    expect(judgeDelta(synced(41), delta(43), NOW)).toEqual({
      action: 'resync',
      code: 'gap',
      reason: 'gap',
      have: 41,
      want: 44,
    });
  });

  it('asks for a snapshot when there is no depot list yet, or only a local import', () => {
    expect(judgeDelta({ version: null, source: null }, delta(1), NOW)).toMatchObject({
      action: 'resync',
      reason: 'no_list',
    });
    expect(judgeDelta({ version: 1, source: 'import' }, delta(1), NOW)).toMatchObject({
      action: 'resync',
      reason: 'no_list',
    });
  });

  it('refuses an expired next delta, and one valid absurdly long', () => {
    const past = judgeDelta(synced(41), delta(41, new Date(NOW - 1).toISOString()), NOW);
    expect(past.action === 'refuse' && past.rejection.code).toBe('expired');
    const far = judgeDelta(synced(41), delta(41, new Date(NOW + 90 * DAY).toISOString()), NOW);
    expect(far.action === 'refuse' && far.rejection.code).toBe('expired');
  });

  it('refuses non-contiguous versions', () => {
    const d = judgeDelta(synced(1), { from_version: 1, to_version: 3, expires_at: soon }, NOW);
    expect(d.action === 'refuse' && d.rejection.code).toBe('malformed');
  });

  it('never moves the list backwards nor skips a version (property)', () => {
    fc.assert(
      fc.property(version, version, (have, from) => {
        const d = judgeDelta(synced(have), delta(from), NOW);
        if (d.action === 'apply_delta') return from === have && d.version === have + 1;
        if (d.action === 'ignore') return from + 1 <= have;
        if (d.action === 'resync') return from > have;
        return false;
      }),
    );
  });
});

describe('version guard: snapshots', () => {
  it('accepts a newer snapshot, gaps and all', () => {
    expect(judgeSnapshot(synced(41), snapshot(90), NOW)).toEqual({ action: 'accept_snapshot', version: 90 });
  });

  it('ignores the snapshot in force, seen again as the retained manifest', () => {
    expect(judgeSnapshot(synced(41), snapshot(41), NOW)).toMatchObject({ action: 'ignore', code: 'replay' });
  });

  it('refuses an older snapshot (rollback)', () => {
    const d = judgeSnapshot(synced(41), snapshot(40), NOW);
    expect(d.action === 'refuse' && d.rejection.code).toBe('rollback');
  });

  it('accepts any depot snapshot over no list or a local import', () => {
    expect(judgeSnapshot({ version: null, source: null }, snapshot(1), NOW).action).toBe('accept_snapshot');
    expect(judgeSnapshot({ version: 500, source: 'import' }, snapshot(2), NOW).action).toBe(
      'accept_snapshot',
    );
  });

  it('refuses an expired newer snapshot', () => {
    const d = judgeSnapshot(synced(1), snapshot(2, new Date(NOW).toISOString()), NOW);
    expect(d.action === 'refuse' && d.rejection.code).toBe('expired');
  });

  it('accepts exactly the newer snapshots, and refuses every older one (property)', () => {
    fc.assert(
      fc.property(version, version, (have, v) => {
        const d = judgeSnapshot(synced(have), snapshot(v), NOW);
        if (v > have) return d.action === 'accept_snapshot' && d.version === v;
        if (v === have) return d.action === 'ignore';
        return d.action === 'refuse' && d.rejection.code === 'rollback';
      }),
    );
  });

  it('keeps a bus on a strictly increasing line whatever order messages arrive in (property)', () => {
    const message = fc.oneof(
      version.map((v) => ({ kind: 'delta' as const, from: v })),
      version.map((v) => ({ kind: 'snapshot' as const, version: v })),
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 60 }), (messages) => {
        let current: ListPosition = { version: null, source: null };
        for (const m of messages) {
          const before = current.version ?? 0;
          const d =
            m.kind === 'delta'
              ? judgeDelta(current, delta(m.from), NOW)
              : judgeSnapshot(current, snapshot(m.version), NOW);
          if (d.action === 'apply_delta' || d.action === 'accept_snapshot') {
            if (d.version <= before) return false;
            current = synced(d.version);
          }
        }
        return true;
      }),
    );
  });
});
