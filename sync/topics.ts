/**
 * The MQTT topic tree of sync (documented in sync/README.md). Everything lives under
 * `teiki/v1/` so a v2 can run beside it on the same broker during a migration.
 *
 *   teiki/v1/list/manifest                  depot → buses  retained, signed snapshot manifest
 *   teiki/v1/list/chunk/<version>/<index>   depot → buses  retained, compressed snapshot chunk
 *   teiki/v1/list/delta/<to_version>        depot → buses  retained, signed delta
 *   teiki/v1/bus/<vehicle>/status           bus → depot    retained, last will "offline"
 *   teiki/v1/bus/<vehicle>/records          bus → depot    boarding-record batches
 *   teiki/v1/bus/<vehicle>/ack              depot → bus    acknowledgement of a batch
 *   teiki/v1/bus/<vehicle>/resync           bus → depot    "I need a snapshot"
 */
import { isValidVehicleId } from '../device/domain/vehicle-id.js';

// The pattern lives in the domain: the config schema refuses a bad vehicle id with it at start.
export { isValidVehicleId, VEHICLE_ID_PATTERN } from '../device/domain/vehicle-id.js';

export const TOPIC_ROOT = 'teiki/v1';

function vehicle(id: string): string {
  if (!isValidVehicleId(id)) {
    throw new RangeError(`vehicle id ${JSON.stringify(id)} cannot be used in an MQTT topic`);
  }
  return id;
}

function version(v: number): string {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`list version ${v} is not a positive integer`);
  return String(v);
}

function chunkIndex(i: number): string {
  if (!Number.isSafeInteger(i) || i < 0)
    throw new RangeError(`chunk index ${i} is not a non-negative integer`);
  return String(i);
}

export const topics = {
  manifest: `${TOPIC_ROOT}/list/manifest`,
  chunk: (listVersion: number, index: number) =>
    `${TOPIC_ROOT}/list/chunk/${version(listVersion)}/${chunkIndex(index)}`,
  /** Subscribe to this after a manifest is accepted: the retained chunks of that version arrive. */
  chunksOf: (listVersion: number) => `${TOPIC_ROOT}/list/chunk/${version(listVersion)}/+`,
  delta: (toVersion: number) => `${TOPIC_ROOT}/list/delta/${version(toVersion)}`,
  allDeltas: `${TOPIC_ROOT}/list/delta/+`,
  status: (id: string) => `${TOPIC_ROOT}/bus/${vehicle(id)}/status`,
  records: (id: string) => `${TOPIC_ROOT}/bus/${vehicle(id)}/records`,
  ack: (id: string) => `${TOPIC_ROOT}/bus/${vehicle(id)}/ack`,
  resync: (id: string) => `${TOPIC_ROOT}/bus/${vehicle(id)}/resync`,
  allStatus: `${TOPIC_ROOT}/bus/+/status`,
  allRecords: `${TOPIC_ROOT}/bus/+/records`,
  allResync: `${TOPIC_ROOT}/bus/+/resync`,
} as const;

export type ParsedTopic =
  | { readonly kind: 'manifest' }
  | { readonly kind: 'chunk'; readonly version: number; readonly index: number }
  | { readonly kind: 'delta'; readonly version: number }
  | { readonly kind: 'status' | 'records' | 'ack' | 'resync'; readonly vehicle: string };

const BUS_KINDS = new Set(['status', 'records', 'ack', 'resync']);
// Canonical decimal only: "007" or "1e3" would name a topic no publisher uses.
const POSITIVE = /^[1-9][0-9]{0,14}$/;
const NON_NEGATIVE = /^(0|[1-9][0-9]{0,14})$/;

/** What a received topic means, or null for anything outside the tree (ignored, not an error). */
export function parseTopic(topic: string): ParsedTopic | null {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix)) return null;
  const parts = topic.slice(prefix.length).split('/');
  const [area, a, b, c] = parts;
  if (area === 'list') {
    if (a === 'manifest' && parts.length === 2) return { kind: 'manifest' };
    if (a === 'chunk' && parts.length === 4 && POSITIVE.test(b ?? '') && NON_NEGATIVE.test(c ?? '')) {
      return { kind: 'chunk', version: Number(b), index: Number(c) };
    }
    if (a === 'delta' && parts.length === 3 && POSITIVE.test(b ?? '')) {
      return { kind: 'delta', version: Number(b) };
    }
    return null;
  }
  if (
    area === 'bus' &&
    parts.length === 3 &&
    a !== undefined &&
    isValidVehicleId(a) &&
    BUS_KINDS.has(b ?? '')
  ) {
    return { kind: b as 'status' | 'records' | 'ack' | 'resync', vehicle: a };
  }
  return null;
}
