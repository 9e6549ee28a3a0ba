import { promisify } from 'node:util';
import {
  brotliCompress,
  brotliDecompress,
  brotliDecompressSync,
  constants,
  gunzip,
  gunzipSync,
  gzip,
} from 'node:zlib';
import type { Compression } from './schemas/manifest.js';

/**
 * zlib on the libuv thread pool: packing overlaps JSON encoding with compression, and unpacking on
 * the bus never holds the event loop (taps keep flowing while a snapshot is staged).
 */
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const brotliAsync = promisify(brotliCompress);
const unbrotliAsync = promisify(brotliDecompress);

/** Fast levels: a million passes must pack in seconds on the depot's small machine. */
export function compress(data: Buffer, kind: Compression): Promise<Buffer> {
  if (kind === 'gzip') return gzipAsync(data, { level: 1 });
  return brotliAsync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 3,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
}

const bounded = (maxOutput: number) => ({ maxOutputLength: Math.max(1, maxOutput) });

/** Decompresses at most `maxOutput` bytes; zlib stops (RangeError) rather than allocate more. */
export function decompress(data: Uint8Array, kind: Compression, maxOutput: number): Promise<Buffer> {
  return kind === 'gzip' ? gunzipAsync(data, bounded(maxOutput)) : unbrotliAsync(data, bounded(maxOutput));
}

/**
 * The same on the calling thread, for a thread that must not hand the work to the pool (the
 * bus's low-priority list-sync worker, snapshot-unpack.ts). Never on the main thread.
 */
export function decompressHere(data: Uint8Array, kind: Compression, maxOutput: number): Buffer {
  return kind === 'gzip'
    ? gunzipSync(data, bounded(maxOutput))
    : brotliDecompressSync(data, bounded(maxOutput));
}
