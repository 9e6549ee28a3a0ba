import { createHash } from 'node:crypto';
import { decompress, decompressHere } from './compression.js';
import { checkExpiry } from './freshness.js';
import { SyncRejection } from './rejection.js';
import { describeIssues } from './schemas/common.js';
import {
  CardChangeSchema,
  MAX_ENTRY_LINE_BYTES,
  type SnapshotEntry,
  type WireRow,
} from './schemas/entries.js';
import type { Manifest } from './schemas/manifest.js';

/**
 * Verifying a snapshot on the bus, chunk by chunk, against its (already signature-checked)
 * manifest. Each chunk's compressed bytes are hashed before zlib sees them; decompression is
 * capped at the manifest's `raw_bytes`; the hash over the whole is checked after the last chunk.
 * Entries are yielded per chunk so the caller can stage them without holding the list twice, and
 * must commit only when the generator returns (a list is applied whole or not at all).
 */

/** Turns a wire row into the store's row type (the sales-row schema); throws on a bad row. */
export type RowParser<Row> = (row: WireRow) => Row;

/** Gives the compressed bytes of chunk `index`, or undefined when it never arrived. */
export type ChunkSource = (index: number) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

export interface UnpackOptions<Row> {
  /** Epoch ms (injected clock). */
  readonly now: number;
  readonly parseRow?: RowParser<Row>;
  readonly maxLifetimeMs?: number;
  /** Entries per yielded batch (default 2,000); the event loop gets a turn between batches. */
  readonly batchSize?: number;
  /**
   * Decompress on the calling thread instead of the libuv thread pool. For the bus's list-sync
   * worker: it runs at a lower CPU priority than the taps (list-thread-priority.ts), and the pool's
   * threads do not, so on a two-core bus a chunk inflating there competes with the tap loop for a
   * core. Never on the main thread (inflating a chunk takes milliseconds).
   */
  readonly inflateOnThisThread?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The compressed chunk matches its manifest entry (size, then sha256). Cheap; no decompression. */
export function verifyChunk(manifest: Manifest, index: number, bytes: Uint8Array): void {
  const info = manifest.chunks[index];
  if (!info) throw new SyncRejection('malformed', `chunk ${index} is not in manifest ${manifest.version}`);
  if (bytes.byteLength !== info.bytes) {
    throw new SyncRejection(
      'hash_mismatch',
      `chunk ${index}: ${bytes.byteLength} bytes, manifest says ${info.bytes}`,
    );
  }
  if (createHash('sha256').update(bytes).digest('hex') !== info.sha256) {
    throw new SyncRejection('hash_mismatch', `chunk ${index}: sha256 differs from the manifest`);
  }
}

/** Verified, decompressed bytes of one chunk (`here`: on this thread, see inflateOnThisThread). */
export async function openChunk(
  manifest: Manifest,
  index: number,
  bytes: Uint8Array,
  here = false,
): Promise<Buffer> {
  verifyChunk(manifest, index, bytes);
  const info = manifest.chunks[index]!;
  let raw: Buffer;
  try {
    raw = here
      ? decompressHere(bytes, manifest.compression, info.raw_bytes)
      : await decompress(bytes, manifest.compression, info.raw_bytes);
  } catch (cause) {
    throw new SyncRejection(
      'hash_mismatch',
      `chunk ${index}: does not decompress to ${info.raw_bytes} bytes`,
      {
        cause,
      },
    );
  }
  if (raw.length !== info.raw_bytes) {
    throw new SyncRejection(
      'hash_mismatch',
      `chunk ${index}: ${raw.length} bytes decompressed, manifest says ${info.raw_bytes}`,
    );
  }
  return raw;
}

/** The lines of one verified chunk; their count must match the manifest. */
export function chunkLines(raw: Buffer, index: number, expected: number): string[] {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch (cause) {
    throw new SyncRejection('malformed', `chunk ${index}: not UTF-8`, { cause });
  }
  if (!text.endsWith('\n'))
    throw new SyncRejection('malformed', `chunk ${index}: last line is not terminated`);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== expected) {
    throw new SyncRejection(
      'malformed',
      `chunk ${index}: ${lines.length} entries, manifest says ${expected}`,
    );
  }
  return lines;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One line → one entry. Hand-checked rather than through zod: this runs a million times per
 * snapshot on the bus, and the row's fields are the sales-row schema's job (`parseRow`).
 */
export function parseEntryLine<Row = WireRow>(
  line: string,
  where: string,
  parseRow?: RowParser<Row>,
): SnapshotEntry<Row> {
  if (line.length > MAX_ENTRY_LINE_BYTES) throw new SyncRejection('too_large', `${where}: line is too long`);
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (cause) {
    throw new SyncRejection('malformed', `${where}: not JSON`, { cause });
  }
  if (!isPlainObject(json)) throw new SyncRejection('malformed', `${where}: not an object`);
  let only: string | undefined;
  for (const key in json) {
    if (only !== undefined) throw new SyncRejection('malformed', `${where}: more than one key`);
    only = key;
  }
  if (only === 'pass' && isPlainObject(json.pass)) {
    const row = json.pass;
    if (!parseRow) return { pass: row as Row };
    try {
      return { pass: parseRow(row) };
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new SyncRejection('malformed', `${where}: ${detail}`, { cause });
    }
  }
  if (only === 'card_change') {
    const change = CardChangeSchema.safeParse(json.card_change);
    if (change.success) return { card_change: change.data };
    throw new SyncRejection('malformed', `${where}: card_change ${describeIssues(change.error)}`);
  }
  throw new SyncRejection('malformed', `${where}: neither {"pass":{…}} nor {"card_change":{…}}`);
}

/** All entries of one verified chunk (a bad line refuses the whole snapshot). */
export function parseChunkEntries<Row = WireRow>(
  raw: Buffer,
  index: number,
  expected: number,
  parseRow?: RowParser<Row>,
): SnapshotEntry<Row>[] {
  return chunkLines(raw, index, expected).map((line, i) =>
    parseEntryLine(line, `chunk ${index} line ${i + 1}`, parseRow),
  );
}

/**
 * Yields the entries of every chunk in order. Throws `SyncRejection`: expired (manifest past its
 * expiry or absurdly far), hash_mismatch (missing, truncated, corrupted chunk, or whole hash),
 * malformed (bad entry or row).
 */
export async function* unpackSnapshot<Row = WireRow>(
  manifest: Manifest,
  source: ChunkSource,
  options: UnpackOptions<Row>,
): AsyncGenerator<SnapshotEntry<Row>[], void, undefined> {
  checkExpiry(manifest.expires_at, options.now, options.maxLifetimeMs, `snapshot ${manifest.version}`);
  const batchSize = Math.max(1, options.batchSize ?? 2_000);
  const whole = createHash('sha256');
  for (let index = 0; index < manifest.chunk_count; index++) {
    const bytes = await source(index);
    if (!bytes)
      throw new SyncRejection('hash_mismatch', `chunk ${index} of ${manifest.chunk_count} is missing`);
    const raw = await openChunk(manifest, index, bytes, options.inflateOnThisThread === true);
    whole.update(raw);
    const lines = chunkLines(raw, index, manifest.chunks[index]!.entries);
    for (let first = 0; first < lines.length; first += batchSize) {
      const slice = lines.slice(first, first + batchSize);
      yield slice.map((line, i) =>
        parseEntryLine(line, `chunk ${index} line ${first + i + 1}`, options.parseRow),
      );
      // Taps must not wait for a snapshot: let pending I/O run between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (whole.digest('hex') !== manifest.sha256) {
    throw new SyncRejection('hash_mismatch', `snapshot ${manifest.version}: sha256 over the whole differs`);
  }
}
