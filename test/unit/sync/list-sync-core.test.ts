import { afterEach, describe, expect, it, vi } from 'vitest';
import { ListStore } from '../../../device/store/list-store.js';
import { StoreListTarget } from '../../../sync/bus/list-store-target.js';
import { ListSyncCore } from '../../../sync/bus/list-sync-core.js';
import { DEFAULT_LIST_SYNC_SETTINGS, type ListSyncSettings } from '../../../sync/bus/list-sync-types.js';
import { pinKeys } from '../../../sync/signing.js';
import { topics } from '../../../sync/topics.js';
import { DAY, NOW, passRow } from './fixtures.js';
import {
  depotKey,
  ManualTimers,
  RecordedEffects,
  rows,
  type SignedSnapshot,
  signedDelta,
  signedSnapshot,
} from './list-fixtures.js';

const depot = depotKey();
const stores: ListStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function setup(settings: Partial<ListSyncSettings> = {}, prepare?: (store: ListStore) => void) {
  const store = ListStore.open(':memory:', { clock: { now: () => NOW } });
  stores.push(store);
  prepare?.(store);
  const fx = new RecordedEffects();
  const timers = new ManualTimers();
  const core = new ListSyncCore(new StoreListTarget(store), fx, {
    keys: pinKeys([depot.publicPem]),
    settings: { ...DEFAULT_LIST_SYNC_SETTINGS, ...settings },
    timers,
  });
  const deliver = (topic: string, payload: Uint8Array, retain = false) =>
    core.handle(topic, payload, retain, NOW);
  const snapshot = async (s: SignedSnapshot, retain = false) => {
    const applied = fx.appliedEvents.length;
    deliver(topics.manifest, s.signed, retain);
    for (const [i, c] of s.chunks.entries()) deliver(topics.chunk(s.manifest.version, i), c, true);
    await vi.waitFor(() => expect(fx.appliedEvents.length).toBe(applied + 1));
  };
  return { store, fx, timers, core, deliver, snapshot };
}

describe('list sync state machine', () => {
  it('applies a snapshot, then deltas in order, stamping version and expiry in the store', async () => {
    const { store, fx, deliver, snapshot } = setup();
    await snapshot(await signedSnapshot(depot.privateKey, 10, rows(50), { now: NOW }));
    expect(store.info()).toMatchObject({ version: 10, source: 'sync', count: 50 });
    const refund = { ...passRow(3), status: 'refunded' };
    deliver(
      topics.delta(11),
      signedDelta(depot.privateKey, 10, { now: NOW, upserts: [refund], expiresIn: 3 * DAY }),
    );
    expect(store.info()).toMatchObject({ version: 11, expiresAt: new Date(NOW + 3 * DAY).toISOString() });
    expect(store.lookup(String(passRow(3).idm)).passes[0]?.status).toBe('refunded');
    expect(fx.appliedEvents.map((e) => [e.kind, e.version])).toEqual([
      ['snapshot', 10],
      ['delta', 11],
    ]);
    expect(fx.rejections).toEqual([]);
  });

  it('refuses forged, unknown-key and mislabelled messages, counting each, list unchanged', async () => {
    const { store, fx, deliver, snapshot } = setup();
    await snapshot(await signedSnapshot(depot.privateKey, 5, rows(10), { now: NOW }));
    const other = depotKey();
    deliver(topics.delta(6), signedDelta(other.privateKey, 5, { now: NOW, removals: ['P1'] }));
    const forged = JSON.parse(signedDelta(depot.privateKey, 5, { now: NOW }).toString());
    forged.payload = Buffer.from(
      Buffer.from(forged.payload, 'base64').toString().replace('"removals":[]', '"removals":["P1"]'),
    ).toString('base64');
    deliver(topics.delta(6), Buffer.from(JSON.stringify(forged)));
    deliver(topics.delta(7), signedDelta(depot.privateKey, 5, { now: NOW }));
    deliver(topics.manifest, Buffer.from('not json'));
    expect(fx.codes()).toEqual(['unknown_key', 'bad_signature', 'malformed', 'malformed']);
    expect(store.info()).toMatchObject({ version: 5, count: 10 });
  });

  it('takes lists signed by any pinned key (a key rotation)', async () => {
    const next = depotKey();
    const store = ListStore.open(':memory:', { clock: { now: () => NOW } });
    stores.push(store);
    store.replacePasses([], { version: 1, source: 'sync' });
    const fx = new RecordedEffects();
    const core = new ListSyncCore(new StoreListTarget(store), fx, {
      keys: pinKeys([depot.publicPem, next.publicPem]),
      settings: DEFAULT_LIST_SYNC_SETTINGS,
      timers: new ManualTimers(),
    });
    core.handle(topics.delta(2), signedDelta(depot.privateKey, 1, { now: NOW }), false, NOW);
    core.handle(topics.delta(3), signedDelta(next.privateKey, 2, { now: NOW }), false, NOW);
    expect(store.info().version).toBe(3);
    expect(fx.rejections).toEqual([]);
  });

  it('counts a live replay or rollback, but not the retained echo of older messages', async () => {
    const { fx, deliver, snapshot } = setup();
    const old = await signedSnapshot(depot.privateKey, 3, rows(5), { now: NOW });
    await snapshot(old);
    const d4 = signedDelta(depot.privateKey, 3, { now: NOW, removals: ['P0'] });
    deliver(topics.delta(4), d4);
    deliver(topics.delta(4), d4, true);
    deliver(topics.manifest, old.signed, true);
    expect(fx.rejections).toEqual([]);
    deliver(topics.delta(4), d4);
    deliver(topics.manifest, old.signed);
    expect(fx.codes()).toEqual(['replay', 'rollback']);
  });

  it('holds deltas that arrive early and applies them once the missing one comes', () => {
    const { store, fx, timers, deliver } = setup({}, (s) =>
      s.replacePasses([], { version: 1, source: 'sync' }),
    );
    deliver(topics.delta(3), signedDelta(depot.privateKey, 2, { now: NOW }), true);
    deliver(topics.delta(4), signedDelta(depot.privateKey, 3, { now: NOW }), true);
    expect(store.info().version).toBe(1);
    deliver(topics.delta(2), signedDelta(depot.privateKey, 1, { now: NOW }), true);
    expect(store.info().version).toBe(4);
    timers.advance(60_000);
    expect(fx.resyncs).toEqual([]);
    expect(fx.rejections).toEqual([]);
  });

  it('calls a gap after the wait: one count, a resync and a fresh subscribe, repeated while stuck', () => {
    const { fx, timers, deliver } = setup({ gapWaitMs: 1_000, resyncEveryMs: 10_000 }, (s) =>
      s.replacePasses([], { version: 1, source: 'sync' }),
    );
    deliver(topics.delta(9), signedDelta(depot.privateKey, 8, { now: NOW }));
    timers.advance(999);
    expect(fx.resyncs).toEqual([]);
    timers.advance(1);
    expect(fx.resyncs).toEqual([{ reason: 'gap', have: 1 }]);
    expect(fx.codes()).toEqual(['gap']);
    expect(fx.subscribed.at(-1)).toEqual([topics.manifest, topics.allDeltas]);
    timers.advance(10_000);
    expect(fx.resyncs).toHaveLength(2);
    expect(fx.codes()).toEqual(['gap']);
  });

  it('refuses expired lists and snapshots that drop most passes', async () => {
    const { store, fx, deliver, snapshot } = setup({ sanity: { minPassesToCheck: 10 } });
    await snapshot(await signedSnapshot(depot.privateKey, 2, rows(40), { now: NOW }));
    const expired = await signedSnapshot(depot.privateKey, 3, rows(40), {
      now: NOW - 3 * DAY,
      expiresIn: DAY,
    });
    deliver(topics.manifest, expired.signed);
    const cut = await signedSnapshot(depot.privateKey, 4, rows(5), { now: NOW });
    deliver(topics.manifest, cut.signed);
    deliver(
      topics.delta(3),
      signedDelta(depot.privateKey, 2, { now: NOW, removals: rows(30).map((r) => String(r.pass_id)) }),
    );
    expect(fx.codes()).toEqual(['expired', 'implausible', 'implausible']);
    expect(store.info()).toMatchObject({ version: 2, count: 40 });
  });

  it('refuses a corrupted chunk on arrival, asks for it again, then gives the snapshot up', async () => {
    const { store, fx, timers, deliver } = setup({ chunkTimeoutMs: 1_000, chunkRetries: 1 });
    const s = await signedSnapshot(depot.privateKey, 7, rows(300), { now: NOW });
    expect(s.chunks.length).toBeGreaterThan(2);
    deliver(topics.manifest, s.signed);
    const bad = Buffer.from(s.chunks[1]!);
    bad[10] = (bad[10] ?? 0) ^ 0xff;
    for (const [i, c] of s.chunks.entries()) deliver(topics.chunk(7, i), i === 1 ? bad : c, true);
    deliver(topics.chunk(7, 2), s.chunks[2]!.subarray(0, 100));
    expect(fx.codes()).toEqual(['hash_mismatch', 'hash_mismatch']);
    timers.advance(1_000);
    expect(fx.subscribed.at(-1)).toEqual([topics.chunk(7, 1)]);
    timers.advance(1_000);
    await vi.waitFor(() => expect(fx.resyncs).toEqual([{ reason: 'rejected', have: null }]));
    expect(fx.unsubscribed.at(-1)).toEqual([topics.chunk(7, 1)]);
    expect(store.info().version).toBeNull();
  });

  it('replaces a locally imported list with the first depot snapshot, whatever the numbers', async () => {
    const { store, snapshot } = setup({}, (s) => s.replacePasses([], { version: 40 }));
    await snapshot(await signedSnapshot(depot.privateKey, 2, rows(3), { now: NOW }));
    expect(store.info()).toMatchObject({ version: 2, source: 'sync', count: 3 });
  });

  it('keeps deltas that arrive during a snapshot apply and applies them after it', async () => {
    const { store, fx, deliver } = setup();
    const s = await signedSnapshot(depot.privateKey, 20, rows(3_000), { now: NOW, chunkBytes: 64 * 1024 });
    deliver(topics.manifest, s.signed);
    for (const [i, c] of s.chunks.entries()) deliver(topics.chunk(20, i), c, true);
    expect(fx.phases.at(-1)).toBe('applying');
    deliver(topics.delta(21), signedDelta(depot.privateKey, 20, { now: NOW, removals: ['P0'] }));
    await vi.waitFor(() => expect(store.info().version).toBe(21));
    expect(store.info().count).toBe(2_999);
  });

  it('stop() cancels an apply in progress and leaves the old list', async () => {
    const { store, fx, core, deliver, snapshot } = setup();
    await snapshot(await signedSnapshot(depot.privateKey, 1, rows(10), { now: NOW }));
    const big = await signedSnapshot(depot.privateKey, 2, rows(20_000), { now: NOW, chunkBytes: 64 * 1024 });
    deliver(topics.manifest, big.signed);
    for (const [i, c] of big.chunks.entries()) deliver(topics.chunk(2, i), c, true);
    await core.stop();
    await core.stop();
    expect(store.info()).toMatchObject({ version: 1, count: 10 });
    expect(fx.phases.at(-1)).toBe('stopped');
    expect(fx.lines.some((l) => l.msg.includes('not applied'))).toBe(true);
  });
});
