import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { Count, IsoTime, ListVersion, Sha256Hex } from './common.js';

/**
 * The signed announcement of a full list (snapshot). Chunks are JSON Lines, one entry per line,
 * never split across chunks, each chunk compressed on its own: a bus can verify and stage chunk by
 * chunk. `sha256` covers the concatenated *uncompressed* chunks in order (what the bus applies);
 * each chunk's `sha256` covers its *compressed* bytes (checked before decompressing anything).
 */
export const COMPRESSIONS = ['gzip', 'brotli'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export const ChunkInfoSchema = z
  .object({
    sha256: Sha256Hex,
    bytes: z.number().int().min(1).max(LIMITS.chunkBytes),
    raw_bytes: z.number().int().min(1).max(LIMITS.chunkRawBytes),
    entries: z.number().int().min(1).max(LIMITS.snapshotEntries),
  })
  .strict();
export type ChunkInfo = z.infer<typeof ChunkInfoSchema>;

export const ManifestSchema = z
  .object({
    type: z.literal('manifest'),
    version: ListVersion,
    created_at: IsoTime,
    expires_at: IsoTime,
    /** The GTFS feed version the list was made with (informative; null when unknown). */
    network_version: z.string().max(128).nullable(),
    format: z.literal('jsonl'),
    compression: z.enum(COMPRESSIONS),
    chunk_count: z.number().int().min(0).max(LIMITS.chunkCount),
    /** Passes and card-change tombstones, for the size sanity check before download. */
    entries: Count.max(LIMITS.snapshotEntries),
    passes: Count.max(LIMITS.snapshotEntries),
    total_bytes: Count.max(LIMITS.snapshotBytes),
    raw_bytes: Count,
    sha256: Sha256Hex,
    chunks: z.array(ChunkInfoSchema).max(LIMITS.chunkCount),
  })
  .strict()
  .superRefine((m, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (m.chunks.length !== m.chunk_count)
      issue('chunks', `has ${m.chunks.length} entries, chunk_count says ${m.chunk_count}`);
    let bytes = 0;
    let raw = 0;
    let entries = 0;
    for (const c of m.chunks) {
      bytes += c.bytes;
      raw += c.raw_bytes;
      entries += c.entries;
    }
    if (bytes !== m.total_bytes) issue('total_bytes', `is ${m.total_bytes}, chunks add up to ${bytes}`);
    if (raw !== m.raw_bytes) issue('raw_bytes', `is ${m.raw_bytes}, chunks add up to ${raw}`);
    if (entries !== m.entries) issue('entries', `is ${m.entries}, chunks add up to ${entries}`);
    if (m.passes > m.entries) issue('passes', 'is more than entries');
    if (Date.parse(m.expires_at) <= Date.parse(m.created_at)) issue('expires_at', 'is not after created_at');
  });
export type Manifest = z.infer<typeof ManifestSchema>;
