import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../device/log/logger.js';
import { RecordStore } from '../../device/store/record-store.js';
import { connectBus } from '../../sync/bus/connect.js';
import { RecordUploader, type UploaderSettings } from '../../sync/bus/record-uploader.js';
import { Collector, type CollectorClient } from '../../sync/depot/collector.js';
import { connectDepot, endQuietly } from '../../sync/depot/collector-mqtt.js';
import { CollectorStore } from '../../sync/depot/collector-store.js';
import { encodeRecords, parseAck } from '../../sync/messages.js';
import { topics } from '../../sync/topics.js';
import { connectMqtt, type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { busConfig, eventually, seedRecords } from './records-fixture.js';

/**
 * Boarding records from a bus outbox to the depot over a real mosquitto (TLS, client
 * certificates, the sync ACL): acked before deleted, exactly once across broker and depot restarts.
 */
const logger = silentLogger();
const clock = { now: () => Date.now() };
const VEHICLES = ['bus-101', 'bus-102', 'bus-103', 'bus-104'];

let broker: Mosquitto;
let dir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: VEHICLES });
  dir = mkdtempSync(join(tmpdir(), 'teiki-records-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await broker?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function depot(clientId: string) {
  const d = broker.certs!.depot;
  const client = await connectDepot(
    { url: broker.url, ca: d.ca, cert: d.cert, key: d.key, clientId, clean: false },
    logger,
    true,
  );
  cleanups.push(() => endQuietly(client, 1000));
  return client;
}

function depotStore(name: string): CollectorStore {
  const store = CollectorStore.open(join(dir, name));
  cleanups.push(() => store.close());
  return store;
}

async function collector(client: CollectorClient, store: CollectorStore): Promise<Collector> {
  const c = new Collector({ client, store, clock, logger });
  await c.start();
  cleanups.push(() => c.stop());
  return c;
}

async function bus(vehicle: string, records: number, settings: Partial<UploaderSettings> = {}) {
  const config = busConfig(broker, vehicle, join(dir, vehicle));
  const path = join(config.data_dir, 'records.sqlite');
  seedRecords(path, vehicle, records);
  const store = RecordStore.open(path, vehicle);
  const client = connectBus(config, logger);
  const uploader = new RecordUploader({
    client,
    store,
    clock,
    logger,
    settings: { batchSize: 500, window: 2, ackTimeoutMs: 2000, ...settings },
  });
  cleanups.push(async () => {
    uploader.stop();
    await endQuietly(client, 1000);
    store.close();
  });
  return { store, client, uploader };
}

/** Every record of `vehicle` is at the depot exactly once: seq 1..total, no gap, no copy. */
function expectExactlyOnce(store: CollectorStore, vehicle: string, total: number): void {
  const seqs = [...store.all()].filter((r) => r.vehicle === vehicle).map((r) => r.seq);
  expect(seqs.length).toBe(total);
  expect(new Set(seqs).size).toBe(total);
  expect(seqs[0]).toBe(1);
  expect(seqs.at(-1)).toBe(total);
}

describe('boarding records upload', () => {
  it('marks records uploaded only after the depot acknowledged them', async () => {
    const b = await bus('bus-101', 1200);
    // A depot that receives batches but never answers: nothing may be marked on the bus.
    const silent = await connectMqtt(broker.url, {
      ...broker.tlsOptions(broker.certs!.depot),
      clientId: 'silent-depot',
    });
    cleanups.push(() => silent.endAsync(true));
    const seen: number[] = [];
    silent.on('message', (_t, payload) => seen.push(JSON.parse(payload.toString()).records.length));
    await silent.subscribeAsync(topics.records('bus-101'), { qos: 1 });
    b.uploader.start();
    await eventually(() => seen.length >= 2, 'two batches at the silent depot');
    expect(b.store.pendingCount()).toBe(1200);
    expect(b.uploader.stats()).toMatchObject({ in_flight: 2, acked_records: 0 });

    const store = depotStore('ack-depot');
    await collector(await depot('ack-depot'), store);
    await b.uploader.drain(20_000);
    expect(b.store.pendingCount()).toBe(0);
    expect([...b.store.list()].every((r) => r.uploaded)).toBe(true);
    expectExactlyOnce(store, 'bus-101', 1200);
    expect(b.uploader.stats()).toMatchObject({ acked_records: 1200, pending: 0, in_flight: 0 });
  });

  it("does not let a bus certificate publish another bus's records, nor claim another vehicle", async () => {
    const store = depotStore('acl-depot');
    const depotClient = await depot('acl-depot');
    const c = await collector(depotClient, store);
    const intruder = await connectMqtt(broker.url, {
      ...broker.tlsOptions(broker.certs!.bus('bus-102')),
      clientId: 'intruder',
    });
    cleanups.push(() => intruder.endAsync(true));
    const batch = {
      type: 'records' as const,
      vehicle: 'bus-101',
      batch_id: 'forged-1',
      sent_at: new Date().toISOString(),
      first_seq: 1,
      last_seq: 1,
      records: [
        {
          event_id: 'forged-event',
          seq: 1,
          at: Date.now(),
          idm: '0114b3a1c2d3e4f5',
          reader: 'boarding' as const,
          route: '81',
          trip: null,
          stop: 'matsue-sta',
          verdict: 'accept' as const,
          reason: 'ok' as const,
          pass_id: 'P1',
          fare: null,
          excess: null,
          tap_on_event_id: null,
        },
      ],
    };
    // The broker's ACL: MQTT 5 answers PUBACK "not authorized" and drops the message.
    await expect(
      intruder.publishAsync(topics.records('bus-101'), encodeRecords(batch), { qos: 1 }),
    ).rejects.toThrow(/not authorized/i);

    // On its own topic, a batch naming another vehicle is refused by the depot, with a reason.
    const acks: string[] = [];
    intruder.on('message', (_t, p) => acks.push(parseAck(p).result));
    await intruder.subscribeAsync(topics.ack('bus-102'), { qos: 1 });
    await intruder.publishAsync(topics.records('bus-102'), encodeRecords(batch), { qos: 1 });
    await eventually(() => acks.length === 1, 'the refusal');
    expect(acks).toEqual(['rejected']);
    expect(store.count()).toBe(0);
    expect(c.stats()).toMatchObject({ rejected: 1, records_stored: 0 });
  });

  it('delivers every record exactly once when the broker is killed mid-upload', async () => {
    const store = depotStore('kill-depot');
    await collector(await depot('kill-depot'), store);
    const b = await bus('bus-103', 20_000);
    b.uploader.start();
    await eventually(() => store.count() >= 3000, 'the first batches at the depot');
    expect(store.count()).toBeLessThan(20_000);
    await broker.restart({ kill: true });
    await b.uploader.drain(30_000);
    expectExactlyOnce(store, 'bus-103', 20_000);
    expect(b.store.pendingCount()).toBe(0);
  });

  it('delivers every record exactly once across a depot restart, with batches queued meanwhile', async () => {
    const store = depotStore('restart-depot');
    const first = await depot('restart-depot');
    const c1 = await collector(first, store);
    const b = await bus('bus-104', 10_000, { ackTimeoutMs: 1000 });
    b.uploader.start();
    await eventually(() => store.count() >= 2000, 'the first batches at the depot');
    c1.stop();
    await endQuietly(first, 1000);
    const storedWhileUp = store.count();
    // The depot's persistent session keeps the batches (and the bus's resends) for it.
    await eventually(() => b.uploader.stats().sent_batches >= 10, 'batches sent while the depot is down');
    const second = await depot('restart-depot');
    await collector(second, store);
    await b.uploader.drain(30_000);
    expect(storedWhileUp).toBeLessThan(10_000);
    expectExactlyOnce(store, 'bus-104', 10_000);
    expect(b.store.pendingCount()).toBe(0);
  });
});
