import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ChunkCollector } from '../../../sync/chunk-collector.js';
import { SyncRejection } from '../../../sync/rejection.js';
import type { SnapshotEntry, WireRow } from '../../../sync/schemas/entries.js';
import type { Manifest } from '../../../sync/schemas/manifest.js';
import { type PackOptions, packSnapshotToMemory } from '../../../sync/snapshot.js';
import { type ChunkSource, openChunk, unpackSnapshot } from '../../../sync/snapshot-unpack.js';
import { DAY, entries, NOW } from './fixtures.js';

const options: PackOptions = {
  version: 12,
  createdAt: NOW,
  expiresAt: NOW + 2 * DAY,
  networkVersion: 'gtfs-2026-04',
  targetChunkBytes: 16 * 1024,
};

async function collect<Row = WireRow>(
  manifest: Manifest,
  source: ChunkSource,
  now = NOW,
  parseRow?: (row: WireRow) => Row,
): Promise<SnapshotEntry<Row>[]> {
  const out: SnapshotEntry<Row>[] = [];
  for await (const batch of unpackSnapshot(manifest, source, { now, parseRow })) out.push(...batch);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<SyncRejection> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SyncRejection) return err;
    throw err;
  }
  throw new Error('expected a SyncRejection');
}

describe('snapshot packing', () => {
  it.each(['gzip', 'brotli'] as const)(
    'round-trips passes and card changes in order (%s)',
    async (compression) => {
      const input = [...entries(5_000, 40)];
      const { manifest, chunks } = await packSnapshotToMemory(input, { ...options, compression });
      expect(manifest).toMatchObject({ version: 12, compression, entries: 5_040, passes: 5_000 });
      expect(manifest.chunk_count).toBeGreaterThan(3);
      expect(chunks).toHaveLength(manifest.chunk_count);
      expect(await collect(manifest, (i) => chunks[i])).toEqual(input);
    },
  );

  it('aims each compressed chunk near the target size', async () => {
    const { manifest } = await packSnapshotToMemory(entries(20_000), options);
    // The first chunks are cut before any ratio is known; the last one holds the rest.
    const sizes = manifest.chunks.slice(3, -1).map((c) => c.bytes);
    expect(sizes.length).toBeGreaterThan(2);
    for (const size of sizes) {
      expect(size).toBeGreaterThan(16 * 1024 * 0.5);
      expect(size).toBeLessThan(16 * 1024 * 1.6);
    }
  });

  it('accepts an async iterable and an empty list', async () => {
    async function* none(): AsyncGenerator<SnapshotEntry> {}
    const { manifest, chunks } = await packSnapshotToMemory(none(), options);
    expect(manifest).toMatchObject({ chunk_count: 0, entries: 0, total_bytes: 0 });
    expect(await collect(manifest, (i) => chunks[i])).toEqual([]);
  });

  it('hands each row to the injected row parser, and refuses the list when it throws', async () => {
    const { manifest, chunks } = await packSnapshotToMemory(entries(30), options);
    const ids = await collect(
      manifest,
      (i) => chunks[i],
      NOW,
      (row) => String(row.pass_id),
    );
    expect(ids[0]).toEqual({ pass: 'P0' });
    const bad = await rejection(
      collect(
        manifest,
        (i) => chunks[i],
        NOW,
        (row) => {
          if (row.pass_id === 'P17') throw new Error('idm: must be 16 hex characters');
          return row;
        },
      ),
    );
    expect(bad.code).toBe('malformed');
    expect(bad.message).toMatch(/chunk 0 line 18: idm/);
  });
});

describe('snapshot verification', () => {
  const packed = packSnapshotToMemory(entries(3_000, 5), options);

  it('refuses a chunk with one flipped bit (hash_mismatch)', async () => {
    const { manifest, chunks } = await packed;
    const bad = Buffer.from(chunks[1]!);
    bad[bad.length >> 1]! ^= 0x01;
    const err = await rejection(collect(manifest, (i) => (i === 1 ? bad : chunks[i])));
    expect(err.code).toBe('hash_mismatch');
    expect(err.message).toMatch(/chunk 1/);
  });

  it('refuses a truncated chunk and a missing chunk (hash_mismatch)', async () => {
    const { manifest, chunks } = await packed;
    const cut = chunks[0]!.subarray(0, chunks[0]!.length - 10);
    expect((await rejection(collect(manifest, (i) => (i === 0 ? cut : chunks[i])))).code).toBe(
      'hash_mismatch',
    );
    const last = manifest.chunk_count - 1;
    expect((await rejection(collect(manifest, (i) => (i === last ? undefined : chunks[i])))).code).toBe(
      'hash_mismatch',
    );
  });

  it('refuses chunks swapped between indexes (hash_mismatch)', async () => {
    const { manifest, chunks } = await packed;
    const swapped = (i: number) => chunks[i === 0 ? 1 : i === 1 ? 0 : i];
    expect((await rejection(collect(manifest, swapped))).code).toBe('hash_mismatch');
  });

  it('refuses a chunk whose decompressed size differs from the manifest before allocating it', async () => {
    const { manifest, chunks } = await packed;
    // A manifest that lies about raw_bytes (as a buggy depot might sign): zlib stops at the bound.
    const lying: Manifest = {
      ...manifest,
      chunks: manifest.chunks.map((c, i) => (i === 0 ? { ...c, raw_bytes: 100 } : c)),
    };
    expect((await rejection(openChunk(lying, 0, chunks[0]!))).code).toBe('hash_mismatch');
  });

  it('refuses a whole that does not hash to the manifest (hash_mismatch), after the last chunk', async () => {
    const { manifest, chunks } = await packed;
    const err = await rejection(collect({ ...manifest, sha256: '0'.repeat(64) }, (i) => chunks[i]));
    expect(err.code).toBe('hash_mismatch');
    expect(err.message).toMatch(/whole/);
  });

  it('refuses a chunk whose lines are not entries (malformed), even when hashes match', async () => {
    const raw = Buffer.from('{"pass":{"pass_id":"P1"}}\n{"oops":1}\n');
    const chunk = gzipSync(raw);
    const { createHash } = await import('node:crypto');
    const h = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const manifest: Manifest = {
      ...(await packed).manifest,
      chunk_count: 1,
      entries: 2,
      passes: 1,
      total_bytes: chunk.length,
      raw_bytes: raw.length,
      sha256: h(raw),
      chunks: [{ sha256: h(chunk), bytes: chunk.length, raw_bytes: raw.length, entries: 2 }],
    };
    const err = await rejection(collect(manifest, () => chunk));
    expect(err.code).toBe('malformed');
    expect(err.message).toMatch(/chunk 0 line 2/);
  });

  it('refuses a manifest past its expiry, or valid for more than 31 days (expired)', async () => {
    const { manifest, chunks } = await packed;
    expect((await rejection(collect(manifest, (i) => chunks[i], NOW + 2 * DAY))).code).toBe('expired');
    const far = { ...manifest, expires_at: new Date(NOW + 40 * DAY).toISOString() };
    expect(await rejection(collect(far, (i) => chunks[i])).then((e) => e.message)).toMatch(
      /more than 31 days/,
    );
  });
});

describe('chunk collector', () => {
  it('keeps verified chunks in any order, ignores duplicates and refuses bad ones', async () => {
    const { manifest, chunks } = await packSnapshotToMemory(entries(2_000), options);
    const collector = new ChunkCollector(manifest);
    const order = chunks.map((_, i) => i).reverse();
    for (const i of order.slice(0, -1)) expect(collector.accept(i, chunks[i]!)).toBe('stored');
    expect(collector.isComplete()).toBe(false);
    expect(collector.missing()).toEqual([0]);
    expect(() => collector.accept(0, chunks[1]!)).toThrow(SyncRejection);
    expect(() => collector.accept(manifest.chunk_count, chunks[0]!)).toThrow(/not in manifest/);
    expect(collector.accept(0, chunks[0]!)).toBe('stored');
    expect(collector.accept(0, chunks[0]!)).toBe('duplicate');
    expect(collector.isComplete()).toBe(true);
    expect(await collect(manifest, collector.chunk)).toHaveLength(2_000);
  });
});
