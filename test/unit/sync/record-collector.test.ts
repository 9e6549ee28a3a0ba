import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../device/log/logger.js';
import { FakeClock } from '../../../simulator/fakes/fake-clock.js';
import { Collector } from '../../../sync/depot/collector.js';
import { csvField, exportRecords } from '../../../sync/depot/collector-export.js';
import { CollectorStore } from '../../../sync/depot/collector-store.js';
import { encodeRecords, parseAck } from '../../../sync/messages.js';
import type { Ack } from '../../../sync/schemas/ack.js';
import type { RecordsBatch, WireRecord } from '../../../sync/schemas/records.js';
import { topics } from '../../../sync/topics.js';
import { wireRecord } from './fixtures.js';
import { FakeMqtt, settle } from './record-fake-mqtt.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function batch(vehicle: string, records: WireRecord[], id = 'b1'): RecordsBatch {
  return {
    type: 'records',
    vehicle,
    batch_id: id,
    sent_at: '2026-04-01T00:00:00.000Z',
    first_seq: records[0]!.seq,
    last_seq: records.at(-1)!.seq,
    records,
  };
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-collector-'));
  const store = CollectorStore.open(dir);
  const mqtt = new FakeMqtt();
  mqtt.connected = true;
  const collector = new Collector({
    client: mqtt.asClient(),
    store,
    clock: new FakeClock(),
    logger: silentLogger(),
  });
  cleanups.push(() => {
    collector.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await collector.start();
  const acks = (vehicle: string) =>
    mqtt.sent<Ack>(topics.ack(vehicle)).map((a) => parseAck(Buffer.from(JSON.stringify(a))));
  return { store, mqtt, collector, acks };
}

describe('Collector', () => {
  it('stores a batch once and acknowledges every copy of it', async () => {
    const { store, mqtt, collector, acks } = await setup();
    expect(mqtt.subscribed).toEqual([topics.allRecords]);
    const payload = encodeRecords(batch('bus-101', [wireRecord(1), wireRecord(2), wireRecord(3)]));
    mqtt.deliver(topics.records('bus-101'), payload);
    mqtt.deliver(topics.records('bus-101'), payload);
    expect(store.count()).toBe(3);
    expect(acks('bus-101')).toMatchObject([
      { result: 'stored', batch_id: 'b1', first_seq: 1, last_seq: 3, count: 3 },
      { result: 'stored', batch_id: 'b1', first_seq: 1, last_seq: 3, count: 3 },
    ]);
    expect(collector.stats()).toMatchObject({ batches: 2, records_stored: 3, duplicates: 3, vehicles: 1 });
  });

  it('keeps the clock state of each tap and exports it (null for a bus that sent none)', async () => {
    const { store, mqtt } = await setup();
    const records = [
      { ...wireRecord(1), clock: 'ok' as const },
      { ...wireRecord(2), clock: 'beyond_horizon' as const },
      wireRecord(3),
    ];
    mqtt.deliver(topics.records('bus-101'), encodeRecords(batch('bus-101', records)));
    expect([...store.all()].map((r) => r.clock)).toEqual(['ok', 'beyond_horizon', null]);
    const dir = mkdtempSync(join(tmpdir(), 'teiki-export-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    exportRecords(store, join(dir, 'out.csv'), 'csv');
    const lines = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n');
    const col = lines[0]!.split(',').indexOf('clock');
    expect(col).toBeGreaterThan(0);
    expect(lines.slice(1).map((l) => l.split(',')[col])).toEqual(['ok', 'beyond_horizon', '']);
  });

  it('keeps records of a bus whose seq started again, and counts the clash', async () => {
    const { store, mqtt, collector } = await setup();
    mqtt.deliver(topics.records('bus-101'), encodeRecords(batch('bus-101', [wireRecord(1), wireRecord(2)])));
    mqtt.deliver(
      topics.records('bus-101'),
      encodeRecords(batch('bus-101', [wireRecord(1, { event_id: 'new-disk-1' })], 'b2')),
    );
    expect(store.count()).toBe(3);
    expect(collector.stats().seq_clashes).toBe(1);
  });

  it('refuses a batch that breaks the contract, answering when it can say which batch', async () => {
    const { store, mqtt, collector, acks } = await setup();
    mqtt.deliver(topics.records('bus-102'), encodeRecords(batch('bus-101', [wireRecord(1)])));
    const bad = {
      ...batch('bus-102', [wireRecord(1)], 'b9'),
      records: [{ ...wireRecord(1), idm: 'JW1234' }],
    };
    mqtt.deliver(topics.records('bus-102'), Buffer.from(JSON.stringify(bad)));
    mqtt.deliver(topics.records('bus-102'), Buffer.from('not json'));
    expect(store.count()).toBe(0);
    expect(acks('bus-102')).toMatchObject([
      { result: 'rejected', batch_id: 'b1', count: 0, error: expect.stringMatching(/names vehicle bus-101/) },
      { result: 'rejected', batch_id: 'b9', error: expect.stringMatching(/idm/) },
    ]);
    expect(collector.stats().rejected).toBe(3);
  });

  it('does not acknowledge what it could not store', async () => {
    const { store, mqtt, acks } = await setup();
    store.close();
    mqtt.deliver(topics.records('bus-101'), encodeRecords(batch('bus-101', [wireRecord(1)])));
    await settle();
    expect(acks('bus-101')).toEqual([]);
  });

  it('subscribes again on every reconnect', async () => {
    const { mqtt } = await setup();
    mqtt.drop();
    mqtt.bringUp();
    await settle();
    expect(mqtt.subscribed).toEqual([topics.allRecords, topics.allRecords]);
  });
});

describe('CSV export fields', () => {
  it('quotes only what needs quoting', () => {
    expect([
      csvField(null),
      csvField(240),
      csvField('81'),
      csvField('a,b'),
      csvField('say "hi"'),
      csvField('x\ny'),
    ]).toEqual(['', '240', '81', '"a,b"', '"say ""hi"""', '"x\ny"']);
  });
});
