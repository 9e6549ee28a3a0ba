/**
 * Bounds of every sync boundary, in one place. A message or a length claim above its bound is
 * refused (`too_large`) before anything is allocated for it: a signed manifest is trusted for
 * its hashes, never for the memory it asks the bus to reserve.
 */
const KiB = 1024;
const MiB = 1024 * KiB;

export const LIMITS = {
  /** A signed manifest envelope on the wire (4,096 chunk entries fit with room to spare). */
  manifestMessageBytes: 2 * MiB,
  /** A signed delta envelope on the wire; a larger change goes out as a snapshot. */
  deltaMessageBytes: 8 * MiB,
  /** Upserts, removals and tombstones in one delta, each. */
  deltaItems: 20_000,
  /** One compressed snapshot chunk (the packer aims at 256 KiB). */
  chunkBytes: 2 * MiB,
  /** One chunk decompressed: the bound handed to zlib as maxOutputLength. */
  chunkRawBytes: 32 * MiB,
  chunkCount: 4_096,
  /** Sum of the compressed chunks. */
  snapshotBytes: 1024 * MiB,
  /** Entries (passes and card changes) in one snapshot. */
  snapshotEntries: 10_000_000,
  /** One JSON line of a snapshot chunk (one pass or tombstone). */
  entryLineBytes: 16 * KiB,
  /** A manifest or delta may not be valid for longer than this (DOMAIN: lists refresh daily). */
  maxListLifetimeMs: 31 * 24 * 3600 * 1000,
  statusMessageBytes: 16 * KiB,
  recordsMessageBytes: 4 * MiB,
  recordsPerBatch: 5_000,
  ackMessageBytes: 16 * KiB,
  resyncMessageBytes: 4 * KiB,
} as const;

export const TARGET_CHUNK_BYTES = 256 * KiB;
