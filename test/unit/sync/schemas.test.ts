import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../../device/store/types.js';
import { LIMITS } from '../../../sync/limits.js';
import {
  encodeAck,
  encodeRecords,
  encodeResync,
  encodeStatus,
  offlineWill,
  parseAck,
  parseRecords,
  parseResync,
  parseStatus,
} from '../../../sync/messages.js';
import { SyncRejection } from '../../../sync/rejection.js';
import { validate } from '../../../sync/schemas/common.js';
import { DeltaSchema } from '../../../sync/schemas/delta.js';
import { type Manifest, ManifestSchema } from '../../../sync/schemas/manifest.js';
import { type RecordsBatch, toWireRecord } from '../../../sync/schemas/records.js';
import { packSnapshotToMemory } from '../../../sync/snapshot.js';
import { DAY, entries, NOW } from './fixtures.js';
import { deltaBody } from './list-fixtures.js';

const at = new Date(NOW).toISOString();

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SyncRejection) return err.code;
    throw err;
  }
  return undefined;
}

const stored: StoredRecord = {
  event_id: 'e-1',
  seq: 7,
  vehicle_id: 'bus-101',
  uploaded: false,
  at: NOW,
  idm: '0114b3a1c2d3e4f5',
  reader: 'alighting',
  route: '81',
  trip: null,
  stop: 'matsue-sta',
  verdict: 'excess',
  reason: 'excess_fare',
  pass_id: 'P1',
  fare: 310,
  excess: 60,
  tap_on_event_id: 'e-0',
};

function batch(records = [toWireRecord(stored)]): RecordsBatch {
  return {
    type: 'records',
    vehicle: 'bus-101',
    batch_id: 'b-1',
    sent_at: at,
    first_seq: records[0]!.seq,
    last_seq: records.at(-1)!.seq,
    records,
  };
}

describe('bus messages', () => {
  it('round-trips an online status and the offline last will', () => {
    const online = {
      type: 'status',
      vehicle: 'bus-101',
      state: 'online',
      at,
      list_version: 12,
      list_expires_at: at,
      list_applied_at: at,
      network_version: null,
      pending_records: 3,
      rejected: { bad_signature: 1 },
    } as const;
    expect(parseStatus(encodeStatus(online))).toEqual(online);
    const will = offlineWill('bus-101');
    expect(will).toMatchObject({ topic: 'teiki/v1/bus/bus-101/status', qos: 1, retain: true });
    expect(parseStatus(will.payload)).toEqual({ type: 'status', vehicle: 'bus-101', state: 'offline' });
  });

  it('round-trips a records batch, dropping what is local to the bus', () => {
    const parsed = parseRecords(encodeRecords(batch()));
    expect(parsed.records[0]).not.toHaveProperty('uploaded');
    expect(parsed.records[0]).not.toHaveProperty('vehicle_id');
    expect(parsed.records[0]).toMatchObject({ event_id: 'e-1', seq: 7, excess: 60 });
  });

  it('carries the clock state of each tap, and refuses one it does not know', () => {
    const judged = toWireRecord({ ...stored, clock: 'before_floor' });
    expect(parseRecords(encodeRecords(batch([judged]))).records[0]).toMatchObject({ clock: 'before_floor' });
    // A bus older than the depot sends none: still a valid batch.
    expect(parseRecords(encodeRecords(batch())).records[0]).not.toHaveProperty('clock');
    expect(code(() => parseRecords(encodeJson(batch([{ ...judged, clock: 'late' as 'ok' }]))))).toBe(
      'malformed',
    );
  });

  it('refuses a batch whose seqs do not increase or do not match its range', () => {
    const r = toWireRecord(stored);
    expect(code(() => parseRecords(encodeJson({ ...batch([r, { ...r, seq: 7 }]) })))).toBe('malformed');
    expect(code(() => parseRecords(encodeJson({ ...batch(), last_seq: 9 })))).toBe('malformed');
    expect(code(() => parseRecords(encodeJson({ ...batch(), records: [] })))).toBe('malformed');
  });

  it('refuses an unmasked-looking IDm of the wrong shape and unknown verdicts', () => {
    const r = toWireRecord(stored);
    expect(code(() => parseRecords(encodeJson(batch([{ ...r, idm: 'JW123' }]))))).toBe('malformed');
    expect(code(() => parseRecords(encodeJson(batch([{ ...r, verdict: 'duplicate' as 'accept' }]))))).toBe(
      'malformed',
    );
  });

  it('round-trips an ack and a resync request', () => {
    const ack = {
      type: 'ack',
      vehicle: 'bus-101',
      batch_id: 'b-1',
      first_seq: 7,
      last_seq: 7,
      count: 1,
      result: 'stored',
      at,
    } as const;
    expect(parseAck(encodeAck(ack))).toEqual(ack);
    expect(code(() => parseAck(encodeJson({ ...ack, first_seq: 9 })))).toBe('malformed');
    const resync = { type: 'resync', vehicle: 'bus-101', have_version: 40, reason: 'gap', at } as const;
    expect(parseResync(encodeResync(resync))).toEqual(resync);
  });

  it('refuses unknown keys, wrong types and oversized messages', () => {
    expect(
      code(() => parseStatus(encodeJson({ type: 'status', vehicle: 'bus-101', state: 'offline', x: 1 }))),
    ).toBe('malformed');
    expect(
      code(() => parseStatus(encodeJson({ type: 'status', vehicle: 'bus/101', state: 'offline' }))),
    ).toBe('malformed');
    expect(code(() => parseStatus(Buffer.alloc(LIMITS.statusMessageBytes + 1, 0x20)))).toBe('too_large');
    expect(code(() => parseAck(Buffer.from([0xff, 0xfe])))).toBe('malformed');
  });
});

describe('list payloads', () => {
  it('refuses a manifest whose sums disagree with its chunks', async () => {
    const { manifest } = await packSnapshotToMemory(entries(200), {
      version: 3,
      createdAt: NOW,
      expiresAt: NOW + DAY,
      networkVersion: null,
      targetChunkBytes: 1024,
    });
    const bad = (m: Partial<Manifest>) =>
      code(() => validate(ManifestSchema, { ...manifest, ...m }, 'manifest'));
    expect(bad({})).toBeUndefined();
    expect(bad({ chunk_count: manifest.chunk_count + 1 })).toBe('malformed');
    expect(bad({ total_bytes: manifest.total_bytes + 1 })).toBe('malformed');
    expect(bad({ entries: manifest.entries - 1 })).toBe('malformed');
    expect(bad({ expires_at: manifest.created_at })).toBe('malformed');
    expect(bad({ compression: 'zstd' as 'gzip' })).toBe('malformed');
  });

  it('refuses huge length claims as too_large, without walking them', () => {
    const manifest = { type: 'manifest', chunk_count: 1e9, total_bytes: 1e15, chunks: [] };
    expect(code(() => validate(ManifestSchema, manifest, 'manifest'))).toBe('too_large');
    const chunk = { sha256: '0'.repeat(64), bytes: 1, raw_bytes: 1, entries: 1 };
    const tooMany = { ...manifest, chunk_count: 1, chunks: new Array(LIMITS.chunkCount + 1).fill(chunk) };
    expect(code(() => validate(ManifestSchema, tooMany, 'manifest'))).toBe('too_large');
    const many = new Array(LIMITS.deltaItems + 1).fill('P1');
    const delta = deltaBody(1, { now: NOW, removals: many });
    expect(code(() => validate(DeltaSchema, delta, 'delta'))).toBe('too_large');
  });

  it('refuses a delta that skips a version or carries a bad tombstone', () => {
    const delta = deltaBody(1, {
      now: NOW,
      upserts: [{ pass_id: 'P1' }],
      cardChanges: [{ idm: '0114b3a1c2d3e4f5', pass_id: 'P1', valid_until: '2026-09-30' }],
    });
    expect(code(() => validate(DeltaSchema, delta, 'delta'))).toBeUndefined();
    expect(code(() => validate(DeltaSchema, { ...delta, to_version: 3 }, 'delta'))).toBe('malformed');
    const upper = [{ idm: '0114B3A1C2D3E4F5', pass_id: 'P1', valid_until: '2026-09-30' }];
    expect(code(() => validate(DeltaSchema, { ...delta, card_changes: upper }, 'delta'))).toBe('malformed');
  });
});

function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
