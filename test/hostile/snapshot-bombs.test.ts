import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../sync/limits.js';
import { SyncRejection } from '../../sync/rejection.js';
import type { Compression } from '../../sync/schemas/manifest.js';
import { unpackSnapshot } from '../../sync/snapshot-unpack.js';
import { NOW } from '../unit/sync/fixtures.js';
import { oneChunkManifest } from '../unit/sync/list-fixtures.js';
import { report, rssCost } from './helpers.js';

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
        const manifest = oneChunkManifest(chunk, claim, kind);
        const { ms, rssMiB, out } = await rssCost(async () => {
          for await (const _ of unpackSnapshot(manifest, () => chunk, {
            now: NOW,
            inflateOnThisThread: here,
          })) {
            // never reached: the chunk is refused before any entry
          }
        });
        const error = out.ok ? undefined : out.error;
        expect(error).toBeInstanceOf(SyncRejection);
        expect((error as SyncRejection).code).toBe('hash_mismatch');
        // The cap is 32 MiB of output; allow zlib's buffers and GC slack, far below 256 MiB.
        expect(rssMiB).toBeLessThan(160);
        report(`bomb ${kind} claim=${claim} ${where}`, {
          compressed: chunk.length,
          inflates_to: INFLATED,
          ms: Math.round(ms),
          rss_growth_mib: Math.round(rssMiB),
        });
      }, 120_000);
    }
  }
});
