import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../sync/limits.js';
import {
  encodeAck,
  encodeRecords,
  encodeResync,
  encodeStatus,
  openDelta,
  openManifest,
  parseAck,
  parseRecords,
  parseResync,
  parseStatus,
} from '../../sync/messages.js';
import { SyncRejection } from '../../sync/rejection.js';
import { pinKeys, signBytes, signPayload } from '../../sync/signing.js';
import { parseTopic } from '../../sync/topics.js';
import { NOW, passRow, wireRecord } from '../unit/sync/fixtures.js';
import {
  deltaBody,
  oneChunkManifest,
  rows,
  signedDelta,
  signedSnapshot,
} from '../unit/sync/list-fixtures.js';
import { attempt, cost, mutated, RUNS, report, syncOutcome } from './helpers.js';

/**
 * Every MQTT payload decoder of sync/messages.ts against hostile bytes: random bytes, random JSON,
 * random edits of valid messages, and payloads a compromised depot key signs. Never a crash, only
 * SyncRejection; a signed message that survives an edit still says exactly what was signed.
 */
const depot = generateKeyPairSync('ed25519');
const pinned = pinKeys([depot.publicKey]);
const at = new Date(NOW).toISOString();

const decoders: Array<[string, (b: Uint8Array) => unknown]> = [
  ['manifest', (b) => openManifest(b, pinned)],
  ['delta', (b) => openDelta(b, pinned)],
  ['status', parseStatus],
  ['records', parseRecords],
  ['ack', parseAck],
  ['resync', parseResync],
];

async function validMessages(): Promise<Record<string, Buffer>> {
  const snap = await signedSnapshot(depot.privateKey, 7, rows(30), { now: NOW });
  return {
    manifest: snap.signed,
    delta: signedDelta(depot.privateKey, 7, { now: NOW, upserts: [passRow(1)], removals: ['P2'] }),
    status: encodeStatus({
      type: 'status',
      vehicle: 'bus-101',
      state: 'online',
      at,
      list_version: 7,
      list_expires_at: at,
      list_applied_at: at,
      network_version: null,
      pending_records: 3,
    }),
    records: encodeRecords({
      type: 'records',
      vehicle: 'bus-101',
      batch_id: 'b1',
      sent_at: at,
      first_seq: 1,
      last_seq: 2,
      records: [wireRecord(1, { at: NOW }), wireRecord(2, { at: NOW })],
    }),
    ack: encodeAck({
      type: 'ack',
      vehicle: 'bus-101',
      batch_id: 'b1',
      first_seq: 1,
      last_seq: 2,
      count: 2,
      result: 'stored',
      at,
    }),
    resync: encodeResync({ type: 'resync', vehicle: 'bus-101', have_version: 7, reason: 'gap', at }),
  };
}

describe('hostile MQTT payloads: only typed refusals', () => {
  it('random bytes, to every decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        for (const [, decode] of decoders) syncOutcome(attempt(() => decode(bytes)));
      }),
      { numRuns: RUNS },
    );
  });

  it('random JSON, to every decoder', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const bytes = Buffer.from(JSON.stringify(value) ?? 'null');
        for (const [, decode] of decoders) syncOutcome(attempt(() => decode(bytes)));
      }),
      { numRuns: RUNS },
    );
  });

  it('random edits of valid messages; a signed one that still opens says what was signed', async () => {
    const valid = await validMessages();
    let refused = 0;
    for (const [name, decode] of decoders) {
      const base = valid[name]!;
      const original = decode(base) as { payload?: unknown };
      fc.assert(
        fc.property(mutated(base), (bytes) => {
          const out = syncOutcome(attempt(() => decode(bytes)));
          if (out instanceof SyncRejection) refused++;
          else if (name === 'manifest' || name === 'delta') {
            expect((out as { payload: unknown }).payload).toEqual(original.payload);
          }
        }),
        { numRuns: RUNS },
      );
    }
    report('mqtt-mutations', { tries: RUNS * decoders.length, refused });
  });

  it('whatever a compromised depot key signs: a list or a typed refusal, never a crash', () => {
    const key = fc.constantFrom(
      'type',
      'version',
      'created_at',
      'expires_at',
      'network_version',
      'format',
      'compression',
      'chunk_count',
      'entries',
      'passes',
      'total_bytes',
      'raw_bytes',
      'sha256',
      'chunks',
      'from_version',
      'to_version',
      'upserts',
      'removals',
      'card_changes',
    );
    const hostileValue = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(1e12, 1e9, -1, 0, 2 ** 53, 1.5, 'manifest', 'delta', 'jsonl', 'gzip', at),
      fc.array(
        fc.record({
          sha256: fc.constant('0'.repeat(64)),
          bytes: fc.nat(),
          raw_bytes: fc.nat(),
          entries: fc.nat(),
        }),
        {
          maxLength: 5,
        },
      ),
    );
    fc.assert(
      fc.property(fc.dictionary(key, hostileValue, { maxKeys: 19 }), (payload) => {
        const bytes = signPayload(payload, depot.privateKey);
        const m = syncOutcome(attempt(() => openManifest(bytes, pinned)));
        if (!(m instanceof SyncRejection)) {
          expect(m.payload.chunks.length).toBe(m.payload.chunk_count);
          expect(m.payload.total_bytes).toBeLessThanOrEqual(LIMITS.snapshotBytes);
        }
        syncOutcome(attempt(() => openDelta(bytes, pinned)));
      }),
      { numRuns: RUNS },
    );
  });

  it('deep nesting, lone surrogates and non-UTF-8 inside a signed payload', () => {
    const deep = Buffer.from(`${'['.repeat(500_000)}${']'.repeat(500_000)}`);
    const cases = [
      deep,
      Buffer.from(`{"type":"manifest","x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`),
      Buffer.from('{"type":"delta","removals":["\\ud800"]}'),
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    ];
    for (const payload of cases) {
      const signed = signBytes(payload, depot.privateKey);
      for (const open of [openManifest, openDelta]) {
        expect(syncOutcome(attempt(() => open(signed, pinned)))).toBeInstanceOf(SyncRejection);
      }
      for (const [, decode] of decoders.slice(2)) {
        expect(syncOutcome(attempt(() => decode(payload)))).toBeInstanceOf(SyncRejection);
      }
    }
  });

  it('topics: anything outside the tree is ignored, nothing throws', () => {
    const part = fc.oneof(
      fc.constantFrom(
        'teiki',
        'v1',
        'list',
        'chunk',
        'delta',
        'manifest',
        'bus',
        'status',
        '0',
        '007',
        '1e3',
        '+',
        '#',
        '',
      ),
      fc.string({ maxLength: 20 }),
      fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
        const t = parseTopic(parts.join('/'));
        if (t && 'version' in t) expect(Number.isSafeInteger(t.version)).toBe(true);
        if (t && t.kind === 'chunk') expect(Number.isSafeInteger(t.index)).toBe(true);
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

describe('huge length claims are refused before allocation', () => {
  const base = oneChunkManifest(Buffer.alloc(100), 100);
  const chunk = base.chunks[0]!;
  const claims: Array<[string, Record<string, unknown>]> = [
    ['10^12 bytes', { total_bytes: 1e12, chunks: [{ ...chunk, bytes: 1e12 }] }],
    ['10^9 chunks', { chunk_count: 1e9 }],
    ['10^15 raw bytes', { raw_bytes: 1e15, chunks: [{ ...chunk, raw_bytes: 1e15 }] }],
    ['10^12 entries', { entries: 1e12, passes: 1e12, chunks: [{ ...chunk, entries: 1e12 }] }],
    ['2^53 + 2 chunks', { chunk_count: 2 ** 53 + 2 }],
    ['4,097 chunk entries', { chunk_count: 4097, chunks: new Array(4097).fill(chunk) }],
  ];

  it.each(claims)('a signed manifest claiming %s', (_what, over) => {
    const signed = signPayload({ ...base, ...over }, depot.privateKey);
    const c = cost(() => openManifest(signed, pinned));
    const out = syncOutcome(c.out);
    expect(out).toBeInstanceOf(SyncRejection);
    expect((out as SyncRejection).code).toBe('too_large');
    // Bounded generously: a claim is refused in what parsing the message costs, not what it claims.
    expect(c.heapMiB).toBeLessThan(64);
    report(`manifest-claim ${_what}`, { ms: Math.round(c.ms), heapMiB: Math.round(c.heapMiB) });
  });

  it('a delta listing a million removals inside 8 MiB: too_large, items never walked one by one', () => {
    const delta = deltaBody(1, { now: NOW, removals: new Array(1_000_000).fill('P') });
    const signed = signPayload(delta, depot.privateKey);
    expect(signed.byteLength).toBeLessThan(LIMITS.deltaMessageBytes);
    const c = cost(() => openDelta(signed, pinned));
    expect((syncOutcome(c.out) as SyncRejection).code).toBe('too_large');
    report('delta-claim 1e6 removals', { ms: Math.round(c.ms), heapMiB: Math.round(c.heapMiB) });
  });

  it('a legitimate delta near its 8 MiB bound opens (the base64 check once overflowed the stack)', () => {
    const upserts = Array.from({ length: LIMITS.deltaItems }, (_, i) => ({
      ...passRow(i),
      note: 'x'.repeat(40),
    }));
    const signed = signedDelta(depot.privateKey, 1, { now: NOW, upserts });
    expect(signed.byteLength).toBeGreaterThan(7 * 2 ** 20);
    expect(signed.byteLength).toBeLessThan(LIMITS.deltaMessageBytes);
    const c = cost(() => openDelta(signed, pinned));
    const out = syncOutcome(c.out);
    expect(out).not.toBeInstanceOf(SyncRejection);
    report('delta-near-bound', { bytes: signed.byteLength, ms: Math.round(c.ms) });
  });

  it('a message above its byte bound is refused before it is decoded', () => {
    for (const [name, decode] of decoders) {
      const limit =
        {
          manifest: LIMITS.manifestMessageBytes,
          delta: LIMITS.deltaMessageBytes,
          status: LIMITS.statusMessageBytes,
          records: LIMITS.recordsMessageBytes,
          ack: LIMITS.ackMessageBytes,
          resync: LIMITS.resyncMessageBytes,
        }[name] ?? 0;
      // Not JSON at all: only the size check can refuse it as too_large.
      const bytes = Buffer.alloc(limit + 1, 0xff);
      const out = syncOutcome(attempt(() => decode(bytes)));
      expect((out as SyncRejection).code).toBe('too_large');
    }
  });
});
