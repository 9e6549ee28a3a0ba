import { createHash } from 'node:crypto';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../sync/limits.js';
import { SyncRejection } from '../../sync/rejection.js';
import type { Compression, Manifest } from '../../sync/schemas/manifest.js';
import { unpackSnapshot } from '../../sync/snapshot-unpack.js';
import { DAY, NOW } from '../unit/sync/fixtures.js';
import { report } from './helpers.js';

/**
 * Decompression bombs in a snapshot chunk whose hashes are right (a compromised depot key, or a
 * depot bug): 256 MiB of zeros in ~250 KiB. The bus inflates a chunk at most to the manifest's
 * raw_bytes (itself at most 32 MiB): refused as hash_mismatch, with memory bounded by that cap.
 */
const INFLATED = 256 * 2 ** 20;

async function bomb(kind: Compression): Promise<Buffer> {
  const z =
    kind === 'gzip'
      ? createGzip({ level: 9 })
      : createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  const mib = Buffer.alloc(2 ** 20);
  for (let i = 0; i < INFLATED / 2 ** 20; i++) {
    if (!z.write(mib)) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  return Buffer.concat(out);
}

function manifestFor(kind: Compression, chunk: Buffer, rawClaim: number): Manifest {
  return {
    type: 'manifest',
    version: 3,
    created_at: new Date(NOW - 60_000).toISOString(),
    expires_at: new Date(NOW + DAY).toISOString(),
    network_version: null,
    format: 'jsonl',
    compression: kind,
    chunk_count: 1,
    entries: 1,
    passes: 1,
    total_bytes: chunk.length,
    raw_bytes: rawClaim,
    sha256: '0'.repeat(64),
    chunks: [
      {
        sha256: createHash('sha256').update(chunk).digest('hex'),
        bytes: chunk.length,
        raw_bytes: rawClaim,
        entries: 1,
      },
    ],
  };
}

describe('decompression bombs', () => {
  for (const kind of ['gzip', 'brotli'] as const) {
    for (const [claim, here] of [
      [1_000, false],
      [LIMITS.chunkRawBytes, false],
      [LIMITS.chunkRawBytes, true],
    ] as const) {
      const where = here ? 'on the list-sync thread' : 'on the zlib pool';
      it(`${kind}: 256 MiB of zeros, manifest claiming ${claim} bytes, ${where} → hash_mismatch, memory bounded`, async () => {
        const chunk = await bomb(kind);
        expect(chunk.length).toBeLessThan(LIMITS.chunkBytes);
        const manifest = manifestFor(kind, chunk, claim);
        const rss0 = process.memoryUsage().rss;
        let peak = rss0;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
        }, 5);
        const t0 = performance.now();
        let error: unknown;
        try {
          for await (const _ of unpackSnapshot(manifest, () => chunk, {
            now: NOW,
            inflateOnThisThread: here,
          })) {
            // never reached: the chunk is refused before any entry
          }
        } catch (err) {
          error = err;
        } finally {
          clearInterval(sampler);
        }
        peak = Math.max(peak, process.memoryUsage().rss);
        const ms = performance.now() - t0;
        expect(error).toBeInstanceOf(SyncRejection);
        expect((error as SyncRejection).code).toBe('hash_mismatch');
        const growthMiB = (peak - rss0) / 2 ** 20;
        // The cap is 32 MiB of output; allow zlib's buffers and GC slack, far below 256 MiB.
        expect(growthMiB).toBeLessThan(160);
        report(`bomb ${kind} claim=${claim} ${where}`, {
          compressed: chunk.length,
          inflates_to: INFLATED,
          ms: Math.round(ms),
          rss_growth_mib: Math.round(growthMiB),
        });
      }, 120_000);
    }
  }
});
