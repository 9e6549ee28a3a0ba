import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../device/log/logger.js';
import { ListStore } from '../../../device/store/list-store.js';
import { ListSync, type ListSyncClient } from '../../../sync/bus/list-sync.js';
import { parseResync } from '../../../sync/messages.js';
import { topics } from '../../../sync/topics.js';
import { DAY } from './fixtures.js';
import { depotKey, rows, signedDelta, signedSnapshot } from './list-fixtures.js';

/** ListSync with its real worker thread, on a fake MQTT client that records what it is asked. */
class FakeClient extends EventEmitter {
  connected = false;
  readonly subscribed: Record<string, unknown>[] = [];
  readonly published: { topic: string; payload: Buffer }[] = [];
  subscribe(map: Record<string, unknown>, cb?: (err: Error | null, granted: unknown[]) => void) {
    this.subscribed.push(map);
    cb?.(null, []);
    return this;
  }
  unsubscribe(_topics: string[], cb?: (err?: Error) => void) {
    cb?.();
    return this;
  }
  publish(topic: string, payload: Buffer, _opts: unknown, cb?: (err?: Error) => void) {
    this.published.push({ topic, payload });
    cb?.();
    return this;
  }
  deliver(topic: string, payload: Buffer, retain = false) {
    this.emit('message', topic, payload, { retain });
  }
}

const depot = depotKey();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-list-sync-'));
  const listPath = join(dir, 'list.sqlite');
  const store = ListStore.open(listPath);
  const client = new FakeClient();
  const applied: number[] = [];
  const sync = new ListSync({
    client: client as unknown as ListSyncClient,
    listPath,
    vehicle: 'bus-101',
    pinnedKeys: [depot.publicPem],
    clock: { now: () => Date.now() },
    logger: silentLogger(),
    onApplied: (e) => applied.push(e.version),
    settings: { gapWaitMs: 50 },
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  cleanups.push(() => sync.stop());
  return { store, client, sync, applied };
}

describe('ListSync (worker thread, fake MQTT client)', () => {
  it('refuses to start without a pinned key, and names a worker it cannot start', async () => {
    const base = {
      client: new FakeClient() as unknown as ListSyncClient,
      listPath: ':memory:',
      vehicle: 'bus-101',
    };
    const common = { ...base, clock: { now: () => 0 }, logger: silentLogger() };
    expect(() => new ListSync({ ...common, pinnedKeys: [] })).toThrow(/trust\.depot_public_keys is empty/);
    expect(() => new ListSync({ ...common, pinnedKeys: ['not a key'] })).toThrow();
    const sync = new ListSync({
      ...common,
      pinnedKeys: [depot.publicPem],
      workerUrl: new URL('file:///nonexistent/worker.js'),
    });
    await expect(sync.start()).rejects.toThrow(/list sync cannot start|exited/);
    await sync.stop();
  });

  it('subscribes on connect, applies a snapshot and a delta, asks for a resync on a gap', async () => {
    const { store, client, sync, applied } = setup();
    await sync.start();
    expect(client.subscribed).toEqual([]);
    client.connected = true;
    client.emit('connect');
    await vi.waitFor(() =>
      expect(client.subscribed[0]).toEqual({
        resubscribe: true,
        [topics.manifest]: { qos: 1 },
        [topics.allDeltas]: { qos: 1 },
      }),
    );
    const now = Date.now();
    const s = await signedSnapshot(depot.privateKey, 4, rows(30), { now });
    client.deliver(topics.manifest, s.signed, true);
    await vi.waitFor(() => expect(client.subscribed.some((m) => topics.chunk(4, 0) in m)).toBe(true));
    for (const [i, c] of s.chunks.entries()) client.deliver(topics.chunk(4, i), c, true);
    await vi.waitFor(() => expect(applied).toEqual([4]));
    client.deliver(
      topics.delta(5),
      signedDelta(depot.privateKey, 4, { now, removals: ['P1'], expiresIn: DAY }),
    );
    await vi.waitFor(() => expect(applied).toEqual([4, 5]));
    expect(store.info()).toMatchObject({
      version: 5,
      count: 29,
      expiresAt: new Date(now + DAY).toISOString(),
    });

    client.deliver(topics.delta(9), signedDelta(depot.privateKey, 8, { now }));
    client.deliver(topics.delta(5), Buffer.from('{"forged":true}'));
    await vi.waitFor(() => expect(client.published.length).toBe(1));
    const resync = parseResync(client.published[0]!.payload);
    expect(client.published[0]!.topic).toBe(topics.resync('bus-101'));
    expect(resync).toMatchObject({ vehicle: 'bus-101', have_version: 5, reason: 'gap' });
    expect(sync.rejected()).toEqual({ total: 2, byCode: { gap: 1, malformed: 1 } });
    expect(sync.stats()).toMatchObject({ version: 5, last_applied_kind: 'delta', resyncs_asked: 1 });
    await sync.stop();
    await sync.stop();
    expect(sync.stats().phase).toBe('stopped');
    client.deliver(topics.delta(6), signedDelta(depot.privateKey, 5, { now }));
    expect(client.listenerCount('message')).toBe(0);
  });
});
