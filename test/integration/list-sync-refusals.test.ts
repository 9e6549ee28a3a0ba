import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishExport } from '../../sync/depot/publish-export.js';
import { topics } from '../../sync/topics.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { csvRow, idmOf } from '../unit/sync/depot-fixtures.js';
import { DAY } from '../unit/sync/fixtures.js';
import { depotKey, rows, signedDelta, signedSnapshot } from '../unit/sync/list-fixtures.js';
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
 * What a bus refuses, through the real broker: each refusal is counted by code and the list in
 * force (version 2, P2 refunded) keeps deciding taps. The messages come over the depot's own
 * certificate, as from a depot bug or a stolen depot login: the ACL already keeps buses out.
 */
const keys = depotKeys();
const tmp = tempDir('teiki-list-refusals-');
let broker: Mosquitto;
let bus: TestBus;
let depot: TestDepot;
const resyncs: string[] = [];

async function send(topic: string, payload: Buffer, retain = false) {
  await depot.client.publishAsync(topic, payload, { qos: 1, retain });
}

async function expectCount(code: string, n: number) {
  await vi.waitFor(() => expect(bus.sync.rejected().byCode).toMatchObject({ [code]: n }), {
    timeout: 10_000,
  });
}

function expectListInForce() {
  expect(bus.store.info()).toMatchObject({ version: 2, count: 20 });
  expect(bus.tap(idmOf(1))).toMatchObject({ verdict: 'accept', pass_id: 'P1' });
  expect(bus.tap(idmOf(2))).toMatchObject({ verdict: 'reject', reason: 'refunded' });
}

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
  bus = await startBus(broker, {
    vehicle: 'bus-101',
    dir: tmp.dir,
    keys: [keys.publicPem],
    settings: { chunkTimeoutMs: 60_000 },
  });
  depot = await startDepot(broker, { dir: tmp.dir, key: keys.privateKey });
  depot.client.on('message', (topic, payload) => {
    if (topic === topics.resync('bus-101')) resyncs.push(payload.toString());
  });
  await depot.client.subscribeAsync(topics.allResync, { qos: 1 });
  const all = Array.from({ length: 20 }, (_, i) => csvRow(i));
  await publishExport(depot.ctx, { passesFile: writeExport(tmp.dir, 'a.csv', all), networkDir: SAMPLE_GTFS });
  all[2] = csvRow(2, { status: 'refunded' });
  await publishExport(depot.ctx, { passesFile: writeExport(tmp.dir, 'b.csv', all), networkDir: SAMPLE_GTFS });
  await bus.waitVersion(2);
});

afterAll(async () => {
  await bus?.close();
  await depot?.close();
  await broker?.dispose();
  tmp.cleanup();
});

describe('list messages a bus refuses', () => {
  it('a forged signature and a key it does not pin', async () => {
    const now = Date.now();
    const envelope = JSON.parse(signedDelta(keys.privateKey, 2, { now, removals: ['P5'] }).toString());
    const payload = Buffer.from(envelope.payload, 'base64').toString().replace('"P5"', '"P1"');
    envelope.payload = Buffer.from(payload).toString('base64');
    await send(topics.delta(3), Buffer.from(JSON.stringify(envelope)));
    await send(topics.delta(3), signedDelta(depotKey().privateKey, 2, { now, removals: ['P1'] }));
    await expectCount('bad_signature', 1);
    await expectCount('unknown_key', 1);
    expectListInForce();
  });

  it('a replayed old version and a rollback to an older snapshot', async () => {
    const now = Date.now();
    await send(topics.delta(2), signedDelta(keys.privateKey, 1, { now, removals: ['P1'] }));
    const old = await signedSnapshot(keys.privateKey, 1, rows(3), { now });
    await send(topics.manifest, old.signed);
    await expectCount('replay', 1);
    await expectCount('rollback', 1);
    expectListInForce();
  });

  it('a truncated and a corrupted chunk', async () => {
    const s = await signedSnapshot(keys.privateKey, 10, rows(400), { now: Date.now() });
    expect(s.chunks.length).toBeGreaterThan(3);
    const corrupted = Buffer.from(s.chunks[1]!);
    corrupted[20] = (corrupted[20] ?? 0) ^ 0x01;
    const truncated = s.chunks[2]!.subarray(0, s.chunks[2]!.length - 1);
    for (const [i, c] of s.chunks.entries()) {
      await send(topics.chunk(10, i), i === 1 ? corrupted : i === 2 ? truncated : c, true);
    }
    await send(topics.manifest, s.signed);
    await expectCount('hash_mismatch', 2);
    expect(bus.sync.stats().phase).toBe('downloading');
    expectListInForce();
  });

  it('an expired manifest', async () => {
    const stale = await signedSnapshot(keys.privateKey, 11, rows(20), {
      now: Date.now() - 5 * DAY,
      expiresIn: DAY,
    });
    await send(topics.manifest, stale.signed);
    await expectCount('expired', 1);
    expectListInForce();
    await vi.waitFor(() => expect(resyncs.some((r) => JSON.parse(r).reason === 'expired')).toBe(true));
    expect(bus.sync.rejected()).toEqual({
      total: 7,
      byCode: { bad_signature: 1, unknown_key: 1, replay: 1, rollback: 1, hash_mismatch: 2, expired: 1 },
    });
  });
});
