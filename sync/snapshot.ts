import { createHash } from 'node:crypto';
import { compress } from './compression.js';
import { LIMITS, TARGET_CHUNK_BYTES } from './limits.js';
import { validate } from './schemas/common.js';
import type { SnapshotEntry, WireRow } from './schemas/entries.js';
import { type ChunkInfo, type Compression, type Manifest, ManifestSchema } from './schemas/manifest.js';

/**
 * Packing a full list into a snapshot (depot side): entries → JSON Lines → chunks of about
 * `targetChunkBytes` compressed → sha256 per chunk and over the whole → manifest. Streaming: at
 * most one chunk is being built while the previous one compresses on the thread pool, so memory
 * stays bounded whatever the list size. Unpacking is in snapshot-unpack.ts.
 */
export interface PackOptions {
  readonly version: number;
  /** Epoch ms (injected clock). */
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly networkVersion: string | null;
  readonly compression?: Compression;
  /** Aim for chunks of this many compressed bytes (default 256 KiB). */
  readonly targetChunkBytes?: number;
}

/** Receives each chunk, in index order, as soon as it is compressed (publish it, or write it). */
export type ChunkSink = (index: number, chunk: Buffer) => void | Promise<void>;

const MAX_IN_FLIGHT = 2;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** `Row` is any JSON-able row: the depot's `Pass` objects go in as they are. */
export async function packSnapshot<Row extends object = WireRow>(
  entries: Iterable<SnapshotEntry<Row>> | AsyncIterable<SnapshotEntry<Row>>,
  options: PackOptions,
  sink: ChunkSink,
): Promise<Manifest> {
  const compression = options.compression ?? 'gzip';
  const target = options.targetChunkBytes ?? TARGET_CHUNK_BYTES;
  const maxRaw = LIMITS.chunkRawBytes / 2;
  // Raw bytes per chunk, tuned from the ratio seen so far so compressed chunks land near target.
  // Starts from the ~10:1 that sales rows compress to at level 1.
  let rawBudget = Math.min(target * 8, maxRaw);
  const whole = createHash('sha256');
  const chunks: ChunkInfo[] = [];
  // One string per chunk, grown by `+=` (V8 ropes): cheaper than an array of lines and a join.
  let text = '';
  let lineCount = 0;
  let passes = 0;
  let total = 0;
  // Compressions running on the thread pool, oldest first; `tail` orders the sink calls.
  const pending: Promise<void>[] = [];
  let tail: Promise<void> = Promise.resolve();

  const flush = async (): Promise<void> => {
    if (lineCount === 0) return;
    const raw = Buffer.from(text, 'utf8');
    const count = lineCount;
    text = '';
    lineCount = 0;
    whole.update(raw);
    // Two compressions in flight keep both cores busy; more would only hold more raw chunks.
    while (pending.length >= MAX_IN_FLIGHT) await pending.shift();
    const index = chunks.length;
    if (index >= LIMITS.chunkCount)
      throw new RangeError(`snapshot needs more than ${LIMITS.chunkCount} chunks`);
    chunks.push({ sha256: '', bytes: 0, raw_bytes: raw.length, entries: count });
    const previous = tail;
    const job = compress(raw, compression).then(async (packed) => {
      if (packed.length > LIMITS.chunkBytes)
        throw new RangeError(`chunk ${index} compresses to ${packed.length} bytes`);
      chunks[index] = { sha256: sha256(packed), bytes: packed.length, raw_bytes: raw.length, entries: count };
      const ratio = Math.max(packed.length / raw.length, 0.01);
      rawBudget = Math.max(target, Math.min(maxRaw, Math.floor((target / ratio) * 0.95)));
      await previous;
      await sink(index, packed);
    });
    // Awaited later (here or at the end); marked handled so a failure is not reported twice.
    job.catch(() => undefined);
    pending.push(job);
    tail = job;
  };

  const add = (entry: SnapshotEntry<Row>): boolean => {
    const line = JSON.stringify(entry);
    if (line.length > LIMITS.entryLineBytes / 3 && Buffer.byteLength(line) > LIMITS.entryLineBytes) {
      throw new RangeError(
        `entry ${total} is ${Buffer.byteLength(line)} bytes as JSON, at most ${LIMITS.entryLineBytes}`,
      );
    }
    if ('pass' in entry) passes++;
    total++;
    text += `${line}\n`;
    lineCount++;
    return text.length >= rawBudget;
  };

  try {
    if (Symbol.asyncIterator in entries) {
      for await (const entry of entries) if (add(entry)) await flush();
    } else {
      for (const entry of entries) if (add(entry)) await flush();
    }
    await flush();
    await Promise.all(pending);
  } catch (err) {
    // Let running compressions settle so no sink call happens after we have failed.
    await Promise.allSettled(pending);
    throw err;
  }

  const manifest: Manifest = {
    type: 'manifest',
    version: options.version,
    created_at: new Date(options.createdAt).toISOString(),
    expires_at: new Date(options.expiresAt).toISOString(),
    network_version: options.networkVersion,
    format: 'jsonl',
    compression,
    chunk_count: chunks.length,
    entries: total,
    passes,
    total_bytes: chunks.reduce((n, c) => n + c.bytes, 0),
    raw_bytes: chunks.reduce((n, c) => n + c.raw_bytes, 0),
    sha256: whole.digest('hex'),
    chunks,
  };
  return validate(ManifestSchema, manifest, 'manifest');
}

/** Packs into memory: for tests and small lists. */
export async function packSnapshotToMemory<Row extends object = WireRow>(
  entries: Iterable<SnapshotEntry<Row>> | AsyncIterable<SnapshotEntry<Row>>,
  options: PackOptions,
): Promise<{ manifest: Manifest; chunks: Buffer[] }> {
  const chunks: Buffer[] = [];
  const manifest = await packSnapshot(entries, options, (index, chunk) => {
    chunks[index] = chunk;
  });
  return { manifest, chunks };
}
