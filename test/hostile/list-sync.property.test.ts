import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ListStore } from '../../device/store/list-store.js';
import { StoreListTarget } from '../../sync/bus/list-store-target.js';
import { ListSyncCore } from '../../sync/bus/list-sync-core.js';
import { DEFAULT_LIST_SYNC_SETTINGS } from '../../sync/bus/list-sync-types.js';
import { encodeManifest } from '../../sync/messages.js';
import type { Manifest } from '../../sync/schemas/manifest.js';
import { pinKeys, signPayload } from '../../sync/signing.js';
import { topics } from '../../sync/topics.js';
import { DAY, NOW, passRow } from '../unit/sync/fixtures.js';
import {
  depotKey,
  ManualTimers,
  RecordedEffects,
  rows,
  signedDelta,
  signedSnapshot,
} from '../unit/sync/list-fixtures.js';
import { mutated, report } from './helpers.js';

/**
 * Hostile list messages through the bus's real list sync (ListSyncCore → StoreListTarget → a real
 * ListStore): whatever arrives, nothing throws, nothing but SyncRejection is logged, and a refused
 * list leaves the list in force exactly as it was (never a partial apply).
 */
const depot = depotKey();
const stores: ListStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function setup() {
  const store = ListStore.open(':memory:', { clock: { now: () => NOW } });
  stores.push(store);
  const fx = new RecordedEffects();
  const core = new ListSyncCore(new StoreListTarget(store), fx, {
    keys: pinKeys([depot.publicPem]),
    settings: { ...DEFAULT_LIST_SYNC_SETTINGS, chunkRetries: 0 },
    timers: new ManualTimers(),
  });
  const deliver = (topic: string, payload: Uint8Array, retain = false, now = NOW) =>
    core.handle(topic, payload, retain, now);
  const s = await signedSnapshot(depot.privateKey, 5, rows(40), { now: NOW });
  deliver(topics.manifest, s.signed);
  for (const [i, c] of s.chunks.entries()) deliver(topics.chunk(5, i), c, true);
  await vi.waitFor(() => expect(fx.appliedEvents).toHaveLength(1));
  deliver(
    topics.delta(6),
    signedDelta(depot.privateKey, 5, { now: NOW, upserts: [{ ...passRow(3), status: 'refunded' }] }),
  );
  const fingerprint = () => ({
    info: store.info(),
    passes: [...store.allPasses()],
    changes: store.allCardChanges(),
  });
  const before = fingerprint();
  expect(before.info).toMatchObject({ version: 6, count: 40 });
  /** Nothing failed other than by a typed refusal, and the list is exactly as before. */
  const unchanged = () => {
    expect(fx.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(fingerprint()).toEqual(before);
  };
  return { store, fx, core, deliver, unchanged };
}

/** A manifest for hand-made chunk texts, correct in every hash: what a compromised key could sign. */
function manifestFor(version: number, texts: readonly string[], over: Partial<Manifest> = {}) {
  const chunks = texts.map((t) => gzipSync(Buffer.from(t)));
  const raws = texts.map((t) => Buffer.from(t));
  const entries = texts.map((t) => Math.max(1, t.split('\n').length - 1));
  const manifest: Manifest = {
    type: 'manifest',
    version,
    created_at: new Date(NOW - 60_000).toISOString(),
    expires_at: new Date(NOW + DAY).toISOString(),
    network_version: null,
    format: 'jsonl',
    compression: 'gzip',
    chunk_count: chunks.length,
    entries: entries.reduce((a, b) => a + b, 0),
    passes: entries.reduce((a, b) => a + b, 0),
    total_bytes: chunks.reduce((a, c) => a + c.length, 0),
    raw_bytes: raws.reduce((a, c) => a + c.length, 0),
    sha256: createHash('sha256').update(Buffer.concat(raws)).digest('hex'),
    chunks: chunks.map((c, i) => ({
      sha256: createHash('sha256').update(c).digest('hex'),
      bytes: c.length,
      raw_bytes: raws[i]!.length,
      entries: entries[i]!,
    })),
    ...over,
  };
  return { manifest, chunks };
}

describe('hostile list messages on a bus with a list in force', () => {
  it('random payloads on every list topic: refused, list untouched', async () => {
    const t = await setup();
    const topic = fc.oneof(
      fc.constant(topics.manifest),
      fc.integer({ min: 1, max: 12 }).map((v) => topics.delta(v)),
      fc.tuple(fc.integer({ min: 1, max: 12 }), fc.nat(8)).map(([v, i]) => topics.chunk(v, i)),
    );
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.jsonValue({ maxDepth: 3 }).map((v) => signPayload(v, depot.privateKey)),
    );
    let n = 0;
    fc.assert(
      fc.property(topic, payload, fc.boolean(), (tp, p, retain) => {
        t.deliver(tp, p, retain);
        n++;
      }),
      { numRuns: 500 },
    );
    await t.core.stop();
    t.unchanged();
    report('list-sync random payloads', { tries: n, refused: t.fx.rejections.length });
  }, 120_000);

  it('signed lists: wrong key, truncated signature, a signature over another version, replays, endless expiry', async () => {
    const t = await setup();
    const stranger = depotKey();
    const next = await signedSnapshot(depot.privateKey, 7, rows(40), { now: NOW });
    const other = await signedSnapshot(depot.privateKey, 8, rows(40), { now: NOW });
    const env = (b: Buffer) => JSON.parse(b.toString()) as Record<string, string>;
    const wire = (e: Record<string, string>) => Buffer.from(JSON.stringify(e));

    const cases: Array<[string, string, Buffer]> = [
      [
        'unknown_key',
        topics.manifest,
        (await signedSnapshot(stranger.privateKey, 7, rows(40), { now: NOW })).signed,
      ],
      ['unknown_key', topics.delta(7), signedDelta(stranger.privateKey, 6, { now: NOW })],
      [
        'bad_signature',
        topics.manifest,
        wire({ ...env(next.signed), sig: env(next.signed).sig!.slice(0, 40) }),
      ],
      [
        'bad_signature',
        topics.manifest,
        wire({
          ...env(next.signed),
          sig: Buffer.from(env(next.signed).sig!, 'base64').subarray(0, 63).toString('base64'),
        }),
      ],
      // The depot's genuine signature over manifest 7, on the payload of manifest 8.
      ['bad_signature', topics.manifest, wire({ ...env(other.signed), sig: env(next.signed).sig! })],
      [
        'bad_signature',
        topics.delta(7),
        wire({
          ...env(signedDelta(depot.privateKey, 6, { now: NOW, removals: ['P1'] })),
          sig: env(signedDelta(depot.privateKey, 6, { now: NOW })).sig!,
        }),
      ],
      // Replays: the list in force came by snapshot 5 then delta 6.
      [
        'rollback',
        topics.manifest,
        (await signedSnapshot(depot.privateKey, 5, rows(40), { now: NOW })).signed,
      ],
      [
        'rollback',
        topics.manifest,
        (await signedSnapshot(depot.privateKey, 4, rows(40), { now: NOW - 3 * DAY, expiresIn: 30 * DAY }))
          .signed,
      ],
      ['replay', topics.delta(6), signedDelta(depot.privateKey, 5, { now: NOW })],
      ['replay', topics.delta(3), signedDelta(depot.privateKey, 2, { now: NOW - 5 * DAY })],
      // Expiry: past, never (year 9999), absurdly far (a year), just past the 31-day bound.
      [
        'expired',
        topics.manifest,
        (await signedSnapshot(depot.privateKey, 9, rows(40), { now: NOW - 5 * DAY, expiresIn: DAY })).signed,
      ],
      [
        'expired',
        topics.manifest,
        encodeManifest(
          { ...next.manifest, version: 10, expires_at: '9999-12-31T23:59:59Z' },
          depot.privateKey,
        ),
      ],
      [
        'expired',
        topics.manifest,
        (await signedSnapshot(depot.privateKey, 11, rows(40), { now: NOW, expiresIn: 365 * DAY })).signed,
      ],
      [
        'expired',
        topics.manifest,
        (await signedSnapshot(depot.privateKey, 12, rows(40), { now: NOW, expiresIn: 31 * DAY + 60_000 }))
          .signed,
      ],
      ['expired', topics.delta(7), signedDelta(depot.privateKey, 6, { now: NOW, expiresIn: 10 * 365 * DAY })],
      ['expired', topics.delta(7), signedDelta(depot.privateKey, 6, { now: NOW - 4 * DAY, expiresIn: DAY })],
    ];
    for (const [code, topic, payload] of cases) {
      const before = t.fx.rejections.length;
      t.deliver(topic, payload);
      expect(
        t.fx.rejections.slice(before).map((r) => r.code),
        `${code} on ${topic}`,
      ).toEqual([code]);
    }
    t.unchanged();
    report('signed-list refusals', { cases: cases.length, codes: [...new Set(cases.map((c) => c[0]))] });
  }, 120_000);

  it('garbage on the chunk topics of an accepted snapshot: refused chunk by chunk, then the real ones apply whole', async () => {
    const t = await setup();
    const s = await signedSnapshot(depot.privateKey, 7, rows(40, 100), { now: NOW, chunkBytes: 512 });
    expect(s.chunks.length).toBeGreaterThan(2);
    t.deliver(topics.manifest, s.signed);
    const garbage = fc.tuple(
      fc.oneof(fc.nat(s.chunks.length + 2), fc.constantFrom(4095, 4096, 10 ** 14)),
      fc.oneof(
        fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
        fc.constantFrom(...s.chunks).chain((c) => mutated(c)),
        // A genuine chunk on another index.
        fc.nat(s.chunks.length - 1).map((i) => s.chunks[(i + 1) % s.chunks.length]!),
      ),
    );
    let refused = 0;
    fc.assert(
      fc.property(garbage, ([index, bytes]) => {
        const before = t.fx.rejections.length;
        t.deliver(topics.chunk(7, index), bytes, true);
        const codes = t.fx.rejections.slice(before).map((r) => r.code);
        expect(codes.every((c) => c === 'hash_mismatch' || c === 'malformed')).toBe(true);
        refused += codes.length;
      }),
      { numRuns: 200 },
    );
    expect(t.store.info().version).toBe(6);
    for (const [i, c] of s.chunks.entries()) t.deliver(topics.chunk(7, i), c, true);
    await vi.waitFor(() => expect(t.fx.appliedEvents.map((e) => e.version)).toContain(7));
    expect(t.store.info()).toMatchObject({ version: 7, count: 40 });
    expect([...t.store.allPasses()].map((p) => p.pass_id).sort()).toEqual(
      rows(40, 100)
        .map((r) => String(r.pass_id))
        .sort(),
    );
    expect(t.fx.lines.filter((l) => l.level === 'error')).toEqual([]);
    report('garbage chunks then real ones', { tries: 200, refused });
  }, 120_000);

  it('a correctly hashed snapshot of hostile lines (a compromised key): refused whole, list untouched', async () => {
    const good = JSON.stringify({ pass: passRow(1) });
    const line = fc.oneof(
      fc.constant(good),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ pass: v })),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc.constantFrom(
        JSON.stringify({ pass: { ...passRow(2), idm: 'zz' } }),
        JSON.stringify({ pass: { ...passRow(2), valid_until: '2026-02-30' } }),
        JSON.stringify({ pass: passRow(2), card_change: {} }),
        JSON.stringify({
          card_change: { idm: '0114B3A1C2D3E4F5', pass_id: 'P1', valid_until: '2026-09-30' },
        }),
        `{"pass":{"pass_id":"${'x'.repeat(20_000)}"}}`,
        '{"pass":{"__proto__":{"polluted":true}}}',
      ),
    );
    const t = await setup();
    let v = 7;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(line, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        async (chunkLines) => {
          // At least one bad line, so the snapshot as a whole must be refused.
          if (chunkLines.flat().every((l) => l === good)) chunkLines[0]!.push('{}');
          const { manifest, chunks } = manifestFor(
            v,
            chunkLines.map((ls) => `${ls.join('\n')}\n`),
          );
          const before = t.fx.rejections.length;
          t.deliver(topics.manifest, encodeManifest(manifest, depot.privateKey));
          for (const [i, c] of chunks.entries()) t.deliver(topics.chunk(v, i), c, true);
          await vi.waitFor(() => expect(t.fx.rejections.length).toBeGreaterThan(before));
          expect(['malformed', 'too_large']).toContain(t.fx.rejections.at(-1)?.code);
          expect(t.fx.appliedEvents).toHaveLength(2);
          refused++;
          v++;
        },
      ),
      { numRuns: 40 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    t.unchanged();
    report('hostile snapshot lines', { tries: refused, refused });
  }, 120_000);
});
