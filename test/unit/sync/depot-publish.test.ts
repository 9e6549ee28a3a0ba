import { afterEach, describe, expect, it } from 'vitest';
import { ImportRefusedError } from '../../../device/imports/import-error.js';
import { publishChanges, republishSnapshot } from '../../../sync/depot/publish-changes.js';
import { publishExport } from '../../../sync/depot/publish-export.js';
import { PublishRefusedError } from '../../../sync/depot/publish-guard.js';
import { openDelta, openManifest } from '../../../sync/messages.js';
import { pinKeys } from '../../../sync/signing.js';
import { topics } from '../../../sync/topics.js';
import { csvRow, type DepotFixture, depotFixture, idmOf, SAMPLE_GTFS } from './depot-fixtures.js';

let f: DepotFixture;
afterEach(() => f?.cleanup());

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

function deltaOn(version: number) {
  const bytes = f.broker.retained.get(topics.delta(version));
  if (!bytes) throw new Error(`no retained delta ${version}`);
  return openDelta(bytes, pinKeys([f.publicKey])).payload;
}

function manifest() {
  return openManifest(f.broker.retained.get(topics.manifest)!, pinKeys([f.publicKey])).payload;
}

describe('depot publish', () => {
  it('publishes a first export as a signed snapshot with its chunks retained', async () => {
    f = depotFixture();
    const ctx = f.open();
    const file = f.writeExport(
      'a.csv',
      range(30).map((i) => csvRow(i)),
    );
    const s = await publishExport(ctx, { passesFile: file, networkDir: SAMPLE_GTFS });
    expect(s).toMatchObject({ version: 1, kind: 'snapshot', reason: 'first publish', delta: null });
    expect(s.passes).toMatchObject({ total: 30, active: 30, added: 30 });
    const m = manifest();
    expect(m).toMatchObject({ version: 1, passes: 30, network_version: s.network_version });
    expect(f.broker.topics('teiki/v1/list/chunk/1/')).toHaveLength(m.chunk_count);
    expect(Date.parse(m.expires_at) - Date.parse(m.created_at)).toBe(3 * 86_400_000);
  });

  it('sends refunds, removals and card changes as one delta against the last publish', async () => {
    f = depotFixture();
    const ctx = f.open();
    await publishExport(ctx, {
      passesFile: f.writeExport(
        'a.csv',
        range(10).map((i) => csvRow(i)),
      ),
      networkDir: SAMPLE_GTFS,
    });
    const next = range(9).map((i) =>
      i === 2
        ? csvRow(2, { status: 'refunded' })
        : i === 5
          ? csvRow(5, { idm: 'aa00000000000005' })
          : csvRow(i),
    );
    const s = await publishExport(ctx, { passesFile: f.writeExport('b.csv', next), networkDir: SAMPLE_GTFS });
    expect(s).toMatchObject({ version: 2, previous_version: 1, kind: 'delta', snapshot: null });
    expect(s.delta).toMatchObject({ upserts: 2, removals: 1, card_changes: 1 });
    const d = deltaOn(2);
    expect(d).toMatchObject({ from_version: 1, to_version: 2, removals: ['P9'] });
    expect(d.upserts.map((u) => [u.pass_id, u.status, u.idm])).toEqual([
      ['P2', 'refunded', idmOf(2)],
      ['P5', 'active', 'aa00000000000005'],
    ]);
    expect(d.card_changes).toEqual([{ idm: idmOf(5), pass_id: 'P5', valid_until: '2026-09-30' }]);
  });

  it('refuses an export that drops most active passes unless forced, and publishes nothing', async () => {
    f = depotFixture();
    const ctx = f.open();
    await publishExport(ctx, {
      passesFile: f.writeExport(
        'a.csv',
        range(2_000).map((i) => csvRow(i)),
      ),
      networkDir: SAMPLE_GTFS,
    });
    const cut = f.writeExport(
      'cut.csv',
      range(300).map((i) => csvRow(i)),
    );
    const before = f.broker.published.length;
    await expect(publishExport(ctx, { passesFile: cut, networkDir: SAMPLE_GTFS })).rejects.toThrow(
      PublishRefusedError,
    );
    expect(f.broker.published.length).toBe(before);
    expect(ctx.state.list.info()).toMatchObject({ version: 1, count: 2_000 });
    const forced = await publishExport(ctx, { passesFile: cut, networkDir: SAMPLE_GTFS, force: true });
    expect(forced).toMatchObject({ version: 2, kind: 'delta' });
    expect(forced.warnings[0]).toMatch(/300 active passes of the 2000/);
  });

  it('refuses a bad export naming line and field, leaving the published list alone', async () => {
    f = depotFixture();
    const ctx = f.open();
    const bad = f.writeExport('bad.csv', [csvRow(1), csvRow(2, { idm: 'xyz' })]);
    const err = await publishExport(ctx, { passesFile: bad, networkDir: SAMPLE_GTFS }).catch((e) => e);
    expect(err).toBeInstanceOf(ImportRefusedError);
    expect(err.message).toMatch(/bad\.csv:3: idm: must be 16 hex characters/);
    expect(f.broker.published).toEqual([]);
    expect(ctx.state.log.last()).toBeNull();
  });

  it('adds a snapshot on --full and every N deltas, and clears what it makes useless', async () => {
    f = depotFixture();
    const ctx = f.open({ snapshotEvery: 3 });
    const file = f.writeExport(
      'a.csv',
      range(5).map((i) => csvRow(i)),
    );
    const kinds: string[] = [];
    for (let i = 0; i < 4; i++)
      kinds.push((await publishExport(ctx, { passesFile: file, networkDir: SAMPLE_GTFS })).kind);
    expect(kinds).toEqual(['snapshot', 'delta', 'delta', 'delta+snapshot']);
    expect(f.broker.topics('teiki/v1/list/delta/')).toEqual([]);
    expect(f.broker.topics('teiki/v1/list/chunk/')).toEqual(f.broker.topics('teiki/v1/list/chunk/4/'));
    const full = await publishExport(ctx, { passesFile: file, networkDir: SAMPLE_GTFS, full: true });
    expect(full).toMatchObject({ version: 5, kind: 'delta+snapshot', reason: '--full' });
    expect(manifest().version).toBe(5);
  });

  it('follows a publish that failed halfway with a full snapshot under a new number', async () => {
    f = depotFixture();
    const ctx = f.open();
    const file = f.writeExport(
      'a.csv',
      range(5).map((i) => csvRow(i)),
    );
    await publishExport(ctx, { passesFile: file, networkDir: SAMPLE_GTFS });
    f.broker.failOn = (t) => t.includes('/delta/');
    await expect(publishExport(ctx, { passesFile: file, networkDir: SAMPLE_GTFS })).rejects.toThrow(
      /Not authorized/,
    );
    f.broker.failOn = null;
    const s = await publishExport(ctx, { passesFile: file, networkDir: SAMPLE_GTFS });
    expect(s).toMatchObject({ version: 3, kind: 'snapshot', reason: 'publish of version 2 did not finish' });
  });

  it('publishes explicit changes and answers a resync with a fresh snapshot', async () => {
    f = depotFixture();
    const ctx = f.open();
    await publishExport(ctx, {
      passesFile: f.writeExport(
        'a.csv',
        range(3).map((i) => csvRow(i)),
      ),
      networkDir: SAMPLE_GTFS,
    });
    const refund = { ...ctx.state.list.lookup(idmOf(1)).passes[0]!, status: 'refunded' as const };
    const s = await publishChanges(ctx, { upserts: [refund] });
    expect(s).toMatchObject({ version: 2, kind: 'delta' });
    expect(deltaOn(2).upserts[0]).toMatchObject({ pass_id: 'P1', status: 'refunded' });
    const again = await republishSnapshot(ctx, 'resync from bus-101');
    expect(again).toMatchObject({ version: 3, kind: 'delta+snapshot', reason: 'resync from bus-101' });
    expect(manifest()).toMatchObject({ version: 3, passes: 3 });
  });

  it('refuses a second publisher on the same state directory', async () => {
    f = depotFixture();
    f.open();
    expect(() => f.open()).toThrow(/another publish is running/);
  });
});
