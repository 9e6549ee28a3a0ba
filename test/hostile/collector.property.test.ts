import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../simulator/fakes/fake-clock.js';
import { Collector } from '../../sync/depot/collector.js';
import { CollectorStore } from '../../sync/depot/collector-store.js';
import { encodeRecords, parseAck } from '../../sync/messages.js';
import type { WireRecord } from '../../sync/schemas/records.js';
import { topics } from '../../sync/topics.js';
import { captureLogger } from '../unit/pipeline/helpers.js';
import { FakeMqtt, settle } from '../unit/sync/record-fake-mqtt.js';
import { mutated, RUNS, report } from './helpers.js';

/**
 * The depot's records collector against hostile batches (a broken or hostile bus, within what the
 * broker's ACL lets it publish): each batch is stored whole or refused with a `rejected` ack, a
 * batch claiming another vehicle is refused, nothing crashes the collector.
 */
const dir = mkdtempSync(join(tmpdir(), 'teiki-hostile-collector-'));
let store: CollectorStore;
let mqtt: FakeMqtt;
let collector: Collector;
const { logger, lines } = captureLogger();

beforeAll(async () => {
  store = CollectorStore.open(dir);
  mqtt = new FakeMqtt();
  mqtt.connected = true;
  collector = new Collector({ client: mqtt.asClient(), store, clock: new FakeClock(), logger });
  await collector.start();
});
afterAll(() => {
  collector.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

let nextSeq = 1;
function record(seq: number): WireRecord {
  return {
    event_id: `ev-${seq}`,
    seq,
    at: Date.parse('2026-04-01T07:58:00+09:00') + seq,
    idm: '0114b3a1c2d3e4f5',
    reader: 'boarding',
    route: '81',
    trip: null,
    stop: 'matsue-sta',
    verdict: 'attention',
    reason: 'clock_invalid',
    pass_id: 'P1',
    fare: null,
    excess: null,
    tap_on_event_id: null,
  };
}
function validBatch(vehicle: string): Buffer {
  const recs = [record(nextSeq), record(nextSeq + 1)];
  nextSeq += 2;
  return encodeRecords({
    type: 'records',
    vehicle,
    batch_id: `b-${nextSeq}`,
    sent_at: '2026-04-01T00:00:00.000Z',
    first_seq: recs[0]!.seq,
    last_seq: recs[1]!.seq,
    records: recs,
  });
}

describe('hostile records batches at the depot', () => {
  it('random, edited and mislabelled batches: stored whole or refused, one answer each, no crash', async () => {
    const sample = validBatch('bus-101');
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 1024 }).map((b) => Buffer.from(b)),
      fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      mutated(sample),
      fc.constant(null), // a fresh valid batch
    );
    let stored = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(payload, fc.constantFrom('bus-101', 'bus-102'), async (p, vehicle) => {
        const before = store.count();
        const acksBefore = mqtt.sent(topics.ack(vehicle)).length;
        const bytes = p ?? validBatch('bus-101');
        mqtt.deliver(topics.records(vehicle), bytes);
        await settle();
        const acks = mqtt.published.filter((m) => m.topic === topics.ack(vehicle)).slice(acksBefore);
        expect(acks.length).toBeLessThanOrEqual(1);
        const ack = acks[0] ? parseAck(acks[0].payload) : null;
        if (ack?.result === 'stored') {
          // Whole: as many new records as the batch held, less those already stored.
          expect(store.count() - before).toBeLessThanOrEqual(ack.count);
          stored++;
        } else {
          expect(store.count()).toBe(before);
          refused++;
        }
        // A fresh valid batch on another bus's topic names bus-101: refused.
        if (p === null && vehicle === 'bus-102') expect(ack?.result).toBe('rejected');
      }),
      { numRuns: RUNS },
    );
    expect(lines.filter((l) => l.msg === 'records message failed')).toEqual([]);
    // Privacy at the depot too: refusals are logged without the riders' IDms.
    expect(JSON.stringify(lines)).not.toContain('0114b3a1c2d3e4f5');
    report('collector batches', { tries: RUNS, stored, refused });
  });
});
