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

/**
 * Room for the topic of anything the bus subscribes to: `teiki/v1/bus/<vehicle>/ack` with a
 * 64-byte vehicle id is 81 bytes, a chunk topic with two 15-digit numbers 51 (sync/topics.ts).
 */
const BUS_TOPIC_BYTES = 128;

/**
 * MQTT 5 PUBLISH framing around a payload (MQTT 5.0 §3.3): fixed header (1 byte + remaining length,
 * at most 4), topic (2-byte length + the topic), packet identifier (2), properties (length, at most
 * 4, + the properties). The depot sets no properties; a broker may add a message expiry (5 bytes),
 * a topic alias (3) and subscription identifiers (at most 5 each): 1 KiB leaves room for them.
 */
export const MQTT_PUBLISH_FRAMING_BYTES = 1 + 4 + 2 + BUS_TOPIC_BYTES + 2 + 4 + KiB;

/**
 * The largest MQTT packet a bus accepts: the largest message it takes (a signed delta; a manifest
 * and a chunk are bounded lower, an ack far lower) in its PUBLISH framing. Sent as MQTT 5
 * `maximumPacketSize` on connect (sync/bus/connect.ts), so the broker never delivers what the bus
 * would refuse; and checked on the incoming byte stream before a packet is buffered
 * (sync/bus/packet-size-guard.ts).
 */
export const BUS_MAX_PACKET_BYTES =
  Math.max(LIMITS.deltaMessageBytes, LIMITS.manifestMessageBytes, LIMITS.chunkBytes, LIMITS.ackMessageBytes) +
  MQTT_PUBLISH_FRAMING_BYTES;
