import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../device/log/logger.js';
import { republishSnapshot } from '../../sync/depot/publish-changes.js';
import { publishExport } from '../../sync/depot/publish-export.js';
import { ResyncResponder } from '../../sync/depot/resync-responder.js';
import { topics } from '../../sync/topics.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { csvRow, idmOf } from '../unit/sync/depot-fixtures.js';
import { signedDelta } from '../unit/sync/list-fixtures.js';
import {
  depotKeys,
  SAMPLE_GTFS,
  startBus,
  startDepot,
  type TestBus,
  type TestDepot,
  tempDir,
  writeExport,
} from './list-sync-harness.js';

/**
 * A bus off the road while the depot publishes 2,000 deltas, far more than the broker queues for
 * one client (max_queued_messages 40 here): when it comes back it applies what its session kept,
 * finds the gap, asks for a resync, and the depot's responder answers with a snapshot that brings
 * it to the depot's list in one step.
 */
const keys = depotKeys();
const tmp = tempDir('teiki-list-gap-');
const DELTAS = 2_000;
let broker: Mosquitto;
let bus: TestBus;
let depot: TestDepot;
let responder: ResyncResponder;

beforeAll(async () => {
  broker = await startMosquitto({
    tls: true,
    vehicles: ['bus-101'],
    extraConfig: ['max_queued_messages 40'],
  });
  bus = await startBus(broker, { vehicle: 'bus-101', dir: tmp.dir, keys: [keys.publicPem] });
  depot = await startDepot(broker, {
    dir: tmp.dir,
    key: keys.privateKey,
    settings: { snapshotEvery: 1_000_000 },
  });
  responder = new ResyncResponder({
    client: depot.client,
    clock: { now: () => Date.now() },
    logger: silentLogger(),
    retainedSnapshot: () => depot.ctx.state.log.lastSnapshot()?.version ?? null,
    republish: (asked) => republishSnapshot(depot.ctx, `resync from ${asked.vehicle}`),
    minIntervalMs: 0,
  });
  responder.start();
});

afterAll(async () => {
  await responder?.stop();
  await bus?.close();
  await depot?.close();
  await broker?.dispose();
  tmp.cleanup();
});

describe('a bus that missed more deltas than the broker queues', () => {
  it('finds the gap, asks for a resync and applies the snapshot that answers it', {
    timeout: 90_000,
  }, async () => {
    const file = writeExport(
      tmp.dir,
      'a.csv',
      Array.from({ length: 10 }, (_, i) => csvRow(i)),
    );
    await publishExport(depot.ctx, { passesFile: file, networkDir: SAMPLE_GTFS });
    await bus.waitVersion(1);
    await bus.goOffline();

    // 2,000 signed deltas straight onto the broker (retained, QoS 1, many in flight): the bus's
    // side is under test here; the depot's own publish path has its tests (depot-publish).
    const base = depot.ctx.state.list.lookup(idmOf(3)).passes[0]!;
    const now = Date.now();
    const sends: Promise<unknown>[] = [];
    for (let k = 1; k <= DELTAS; k++) {
      const delta = signedDelta(keys.privateKey, k, { now, upserts: [{ ...base, fare_limit: 100 + k }] });
      sends.push(depot.client.publishAsync(topics.delta(k + 1), delta, { qos: 1, retain: true }));
      if (sends.length >= 200) await Promise.all(sends.splice(0));
    }
    await Promise.all(sends);
    const last = DELTAS + 1;
    // The depot's own list follows, so its answer to the resync is the list after the last delta.
    depot.ctx.state.list.applyChanges(
      { upserts: [{ ...base, fare_limit: 100 + DELTAS }] },
      { version: last, source: 'sync', expiresAt: new Date(now + 3 * 86_400_000).toISOString() },
    );

    await bus.comeBack({ gapWaitMs: 300, resyncEveryMs: 1_500 });
    await vi.waitFor(() => expect(responder.answered).toBeGreaterThanOrEqual(1), {
      timeout: 30_000,
      interval: 50,
    });
    const answer = depot.ctx.state.log.lastSnapshot()!.version;
    expect(answer).toBeGreaterThan(last);
    await bus.waitVersion(answer, 30_000);

    expect(bus.sync.rejected().byCode.gap).toBeGreaterThanOrEqual(1);
    expect(bus.sync.stats().resyncs_asked).toBeGreaterThanOrEqual(1);
    expect(bus.applied.some((e) => e.kind === 'snapshot' && e.version === answer)).toBe(true);
    // Whatever the session kept was applied as deltas first, in order.
    const deltas = bus.applied.filter((e) => e.kind === 'delta').map((e) => e.version);
    expect(deltas).toEqual([...deltas].sort((a, b) => a - b));
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThan(DELTAS);
    expect(bus.store.lookup(idmOf(3)).passes[0]?.fare_limit).toBe(100 + DELTAS);
    expect(bus.tap(idmOf(3))).toMatchObject({ verdict: 'accept', pass_id: 'P3' });
  });
});
