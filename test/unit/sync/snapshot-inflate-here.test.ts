/**
 * unpackSnapshot's `inflateOnThisThread` (the list-sync worker inflates chunks on its own
 * low-priority thread): the same entries as on the thread pool, and the same refusals for a
 * corrupted chunk or one that inflates past the manifest's raw_bytes.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SyncRejection } from '../../../sync/rejection.js';
import type { Manifest } from '../../../sync/schemas/manifest.js';
import { type PackOptions, packSnapshotToMemory } from '../../../sync/snapshot.js';
import { type ChunkSource, unpackSnapshot } from '../../../sync/snapshot-unpack.js';
import { DAY, entries, NOW } from './fixtures.js';
import { oneChunkManifest } from './list-fixtures.js';

const options: PackOptions = {
  version: 12,
  createdAt: NOW,
  expiresAt: NOW + 2 * DAY,
  networkVersion: 'gtfs-2026-04',
  targetChunkBytes: 16 * 1024,
};

async function unpack(manifest: Manifest, source: ChunkSource, here: boolean): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of unpackSnapshot(manifest, source, { now: NOW, inflateOnThisThread: here }))
    out.push(...batch);
  return out;
}

async function refusal(manifest: Manifest, source: ChunkSource): Promise<SyncRejection> {
  try {
    await unpack(manifest, source, true);
  } catch (err) {
    if (err instanceof SyncRejection) return err;
    throw err;
  }
  throw new Error('expected a SyncRejection');
}

describe('unpackSnapshot inflating on the calling thread', () => {
  for (const compression of ['gzip', 'brotli'] as const) {
    it(`gives the same entries as the thread pool (${compression})`, async () => {
      const input = [...entries(3_000, 20)];
      const { manifest, chunks } = await packSnapshotToMemory(input, { ...options, compression });
      expect(manifest.chunk_count).toBeGreaterThan(1);
      const here = await unpack(manifest, (i) => chunks[i], true);
      expect(here).toEqual(await unpack(manifest, (i) => chunks[i], false));
      expect(here).toHaveLength(input.length);
    });
  }

  it('refuses a chunk that inflates past its raw_bytes (hash_mismatch), without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 2 ** 20));
    const manifest = oneChunkManifest(bomb, 1000);
    expect((await refusal(manifest, () => bomb)).code).toBe('hash_mismatch');
  });

  it('refuses a chunk whose compressed bytes are not what the manifest hashed', async () => {
    const { manifest, chunks } = await packSnapshotToMemory(entries(50), options);
    const bad = Buffer.from(chunks[0]!);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    expect((await refusal(manifest, (i) => (i === 0 ? bad : chunks[i]))).code).toBe('hash_mismatch');
  });
});
