import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../device/log/logger.js';
import { RecordStore } from '../../../device/store/record-store.js';
import { FakeClock } from '../../../simulator/fakes/fake-clock.js';
import { RecordUploader, type UploaderSettings } from '../../../sync/bus/record-uploader.js';
import { encodeAck } from '../../../sync/messages.js';
import type { Ack } from '../../../sync/schemas/ack.js';
import type { RecordsBatch } from '../../../sync/schemas/records.js';
import { topics } from '../../../sync/topics.js';
import { tapRecord } from './fixtures.js';
import { FakeMqtt, settle } from './record-fake-mqtt.js';

const V = 'bus-101';
const RECORDS = topics.records(V);
const ACK = topics.ack(V);

/** Tap i, one second apart from 07:58 JST. */
const tapAt = (i: number) => Date.parse('2026-04-01T07:58:00+09:00') + i * 1000;

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(count: number, settings: Partial<UploaderSettings> = {}) {
  const clock = new FakeClock();
  const store = RecordStore.open(':memory:', V, { clock });
  for (let i = 1; i <= count; i++) store.commitTap(tapRecord(tapAt(i)), 'keep');
  const mqtt = new FakeMqtt();
  const uploader = new RecordUploader({
    client: mqtt.asClient(),
    store,
    clock,
    logger: silentLogger(),
    settings: { batchSize: 10, window: 2, ackTimeoutMs: 60_000, ...settings },
  });
  cleanups.push(
    () => uploader.stop(),
    () => store.close(),
  );
  return { clock, store, mqtt, uploader };
}

function ack(batch: RecordsBatch, over: Partial<Ack> = {}): Buffer {
  return encodeAck({
    type: 'ack',
    vehicle: V,
    batch_id: batch.batch_id,
    first_seq: batch.first_seq,
    last_seq: batch.last_seq,
    count: batch.records.length,
    result: 'stored',
    at: '2026-04-01T00:00:00.000Z',
    ...over,
  });
}

const ranges = (m: FakeMqtt) => m.sent<RecordsBatch>(RECORDS).map((b) => [b.first_seq, b.last_seq]);

describe('RecordUploader', () => {
  it('sends nothing before the ack subscription, then fills its window in seq order', async () => {
    const { mqtt, uploader } = setup(35);
    uploader.start();
    await settle();
    expect(mqtt.published).toEqual([]);
    mqtt.bringUp();
    await settle();
    expect(mqtt.subscribed).toEqual([ACK]);
    expect(ranges(mqtt)).toEqual([
      [1, 10],
      [11, 20],
    ]);
    expect(mqtt.published.every((p) => p.opts.qos === 1 && !p.opts.retain)).toBe(true);
    const first = mqtt.sent<RecordsBatch>(RECORDS)[0]!;
    expect(first).toMatchObject({ type: 'records', vehicle: V });
    expect(first.records[0]).not.toHaveProperty('vehicle_id');
    expect(uploader.stats()).toMatchObject({ in_flight: 2, sent_records: 20, pending: 35 });
  });

  it('marks records uploaded only when the depot says stored, and moves on', async () => {
    const { mqtt, uploader, store } = setup(25);
    uploader.start();
    mqtt.bringUp();
    await settle();
    const [b1, b2] = mqtt.sent<RecordsBatch>(RECORDS);
    expect(store.pendingCount()).toBe(25);
    mqtt.deliver(ACK, ack(b2!));
    expect(store.pendingCount()).toBe(15);
    expect([...store.list()].filter((r) => r.uploaded).map((r) => r.seq)).toEqual([
      11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    ]);
    mqtt.deliver(ACK, ack(b1!));
    await settle();
    expect(ranges(mqtt).at(-1)).toEqual([21, 25]);
    mqtt.deliver(ACK, ack(mqtt.sent<RecordsBatch>(RECORDS).at(-1)!));
    await uploader.drain(1000);
    expect(uploader.stats()).toMatchObject({ pending: 0, in_flight: 0, acked_records: 25, acked_batches: 3 });
  });

  it('keeps refused records, holds them back, and reports the refusal', async () => {
    const { mqtt, uploader, store } = setup(15, { window: 1 });
    uploader.start();
    mqtt.bringUp();
    await settle();
    const [b1] = mqtt.sent<RecordsBatch>(RECORDS);
    mqtt.deliver(ACK, ack(b1!, { result: 'rejected', count: 0, error: 'records.0.idm: bad' }));
    await settle();
    expect(store.pendingCount()).toBe(15);
    expect(ranges(mqtt)).toEqual([
      [1, 10],
      [11, 15],
    ]);
    expect(uploader.stats()).toMatchObject({
      rejected_batches: 1,
      last_error: expect.stringMatching(/refused records 1-10/),
    });
  });

  it('marks nothing on an ack for a batch it has not in flight, or beyond the batch it names', async () => {
    // A forged or confused ack (issue 7), or one for a batch sent before a restart: records the
    // depot may never have received must stay pending; they are offered again and the depot
    // dedupes by seq.
    const { mqtt, uploader, store } = setup(30, { window: 1 });
    uploader.start();
    mqtt.bringUp();
    await settle();
    const forged = (batch_id: string, first_seq: number, last_seq: number) =>
      encodeAck({
        type: 'ack',
        vehicle: V,
        batch_id,
        first_seq,
        last_seq,
        count: last_seq - first_seq + 1,
        result: 'stored',
        at: '2026-04-01T00:00:00.000Z',
      });
    mqtt.deliver(ACK, forged('from-a-previous-life', 1, Number.MAX_SAFE_INTEGER));
    await settle();
    expect(store.pendingCount()).toBe(30);
    expect(uploader.stats()).toMatchObject({ unknown_acks: 1, acked_records: 0 });

    const [b1] = mqtt.sent<RecordsBatch>(RECORDS);
    mqtt.deliver(ACK, forged(b1!.batch_id, 1, Number.MAX_SAFE_INTEGER));
    await settle();
    // Only the batch's own ten records count as stored.
    expect(store.pendingCount()).toBe(20);
    expect([...store.list()].filter((r) => r.uploaded).map((r) => r.seq)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
  });

  it('ignores acks for another vehicle and unreadable acks', async () => {
    const { mqtt, uploader, store } = setup(5);
    uploader.start();
    mqtt.bringUp();
    await settle();
    const [b1] = mqtt.sent<RecordsBatch>(RECORDS);
    mqtt.deliver(ACK, ack(b1!, { vehicle: 'bus-102' }));
    mqtt.deliver(ACK, Buffer.from('{"type":"ack"'));
    mqtt.deliver(topics.ack('bus-102'), ack(b1!));
    expect(store.pendingCount()).toBe(5);
    expect(uploader.stats().last_error).toMatch(/unreadable ack/);
  });

  it('sends the pending records again after a reconnect', async () => {
    const { mqtt, uploader } = setup(30);
    uploader.start();
    mqtt.bringUp();
    await settle();
    const before = mqtt.sent<RecordsBatch>(RECORDS);
    mqtt.drop();
    mqtt.bringUp();
    await settle();
    const after = mqtt.sent<RecordsBatch>(RECORDS).slice(2);
    expect(after.map((b) => [b.first_seq, b.last_seq])).toEqual([
      [1, 10],
      [11, 20],
    ]);
    expect(after[0]!.batch_id).not.toBe(before[0]!.batch_id);
    expect(mqtt.subscribed).toEqual([ACK, ACK]);
  });

  it('sends again when no ack comes, waiting longer each time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { mqtt, uploader } = setup(10, { ackTimeoutMs: 1000 });
      uploader.start();
      mqtt.bringUp();
      await settle();
      vi.advanceTimersByTime(999);
      expect(ranges(mqtt)).toHaveLength(1);
      vi.advanceTimersByTime(1);
      await settle();
      expect(ranges(mqtt)).toEqual([
        [1, 10],
        [1, 10],
      ]);
      vi.advanceTimersByTime(1999); // the second wait is twice the first
      await settle();
      expect(ranges(mqtt)).toHaveLength(2);
      vi.advanceTimersByTime(1);
      await settle();
      expect(ranges(mqtt)).toHaveLength(3);
      expect(uploader.stats().resent_batches).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('steps over a record that cannot go on the wire and keeps it', async () => {
    const clock = new FakeClock();
    const store = RecordStore.open(':memory:', V, { clock });
    for (let i = 1; i <= 12; i++)
      store.commitTap(tapRecord(tapAt(i), i === 4 ? { idm: 'not-an-idm' } : {}), 'keep');
    const mqtt = new FakeMqtt();
    const uploader = new RecordUploader({
      client: mqtt.asClient(),
      store,
      clock,
      logger: silentLogger(),
      settings: { batchSize: 10, window: 4, ackTimeoutMs: 60_000 },
    });
    cleanups.push(
      () => uploader.stop(),
      () => store.close(),
    );
    uploader.start();
    mqtt.bringUp();
    await settle();
    expect(ranges(mqtt)).toEqual([
      [1, 3],
      [5, 12],
    ]);
    for (const b of mqtt.sent<RecordsBatch>(RECORDS)) mqtt.deliver(ACK, ack(b));
    expect(store.pendingCount()).toBe(1);
    expect(uploader.stats()).toMatchObject({
      unsendable: 1,
      last_error: expect.stringMatching(/seq 4 .*idm/),
    });
  });

  it('survives a database error while handling an ack, and offers the records again', async () => {
    const { mqtt, uploader, store } = setup(5, { window: 1 });
    const mark = store.markUploadedRange.bind(store);
    let failing = true;
    store.markUploadedRange = (first, last) => {
      if (failing) throw new Error('disk I/O error');
      return mark(first, last);
    };
    uploader.start();
    mqtt.bringUp();
    await settle();
    const [b1] = mqtt.sent<RecordsBatch>(RECORDS);
    expect(() => mqtt.deliver(ACK, ack(b1!))).not.toThrow();
    expect(uploader.stats()).toMatchObject({ pending: 5, last_error: 'ack failed: disk I/O error' });
    failing = false;
    mqtt.drop();
    mqtt.bringUp();
    await settle();
    mqtt.deliver(ACK, ack(mqtt.sent<RecordsBatch>(RECORDS).at(-1)!));
    expect(store.pendingCount()).toBe(0);
  });

  it('stops idempotently; a pending drain is told', async () => {
    const { mqtt, uploader } = setup(3);
    uploader.start();
    const drained = uploader.drain(5000);
    uploader.stop();
    uploader.stop();
    await expect(drained).rejects.toThrow(/stopped/);
    mqtt.bringUp();
    await settle();
    expect(mqtt.published).toEqual([]);
  });
});
