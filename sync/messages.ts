import type { KeyObject } from 'node:crypto';
import { LIMITS } from './limits.js';
import { type Ack, AckSchema } from './schemas/ack.js';
import { encodeJson, parseMessage, validate } from './schemas/common.js';
import { type Delta, DeltaSchema } from './schemas/delta.js';
import { type Manifest, ManifestSchema } from './schemas/manifest.js';
import { type RecordsBatch, RecordsBatchSchema } from './schemas/records.js';
import { type Resync, ResyncSchema } from './schemas/resync.js';
import { type Status, StatusSchema } from './schemas/status.js';
import { openSigned, type PinnedKey, signPayload } from './signing.js';
import { topics } from './topics.js';

/**
 * One encoder and one decoder per boundary. Encoders validate too, so the depot can never publish
 * what a bus would refuse; decoders throw `SyncRejection`.
 */
export function encodeManifest(manifest: Manifest, privateKey: KeyObject): Buffer {
  return signPayload(validate(ManifestSchema, manifest, 'manifest'), privateKey);
}

export function openManifest(message: Uint8Array, keys: readonly PinnedKey[]) {
  return openSigned(message, keys, ManifestSchema, LIMITS.manifestMessageBytes, 'manifest');
}

export function encodeDelta(delta: Delta, privateKey: KeyObject): Buffer {
  return signPayload(validate(DeltaSchema, delta, 'delta'), privateKey);
}

export function openDelta(message: Uint8Array, keys: readonly PinnedKey[]) {
  return openSigned(message, keys, DeltaSchema, LIMITS.deltaMessageBytes, 'delta');
}

export function encodeStatus(status: Status): Buffer {
  return encodeJson(validate(StatusSchema, status, 'status'));
}

export function parseStatus(message: Uint8Array): Status {
  return parseMessage(StatusSchema, message, LIMITS.statusMessageBytes, 'status');
}

export function encodeRecords(batch: RecordsBatch): Buffer {
  return encodeJson(validate(RecordsBatchSchema, batch, 'records'));
}

export function parseRecords(message: Uint8Array): RecordsBatch {
  return parseMessage(RecordsBatchSchema, message, LIMITS.recordsMessageBytes, 'records');
}

export function encodeAck(ack: Ack): Buffer {
  return encodeJson(validate(AckSchema, ack, 'ack'));
}

export function parseAck(message: Uint8Array): Ack {
  return parseMessage(AckSchema, message, LIMITS.ackMessageBytes, 'ack');
}

export function encodeResync(resync: Resync): Buffer {
  return encodeJson(validate(ResyncSchema, resync, 'resync'));
}

export function parseResync(message: Uint8Array): Resync {
  return parseMessage(ResyncSchema, message, LIMITS.resyncMessageBytes, 'resync');
}

/**
 * The bus's last will, set at connect: retained so the fleet view keeps showing the bus as
 * offline, QoS 1 so the broker does not drop it.
 */
export function offlineWill(vehicle: string): {
  topic: string;
  payload: Buffer;
  qos: 1;
  retain: true;
} {
  return {
    topic: topics.status(vehicle),
    payload: encodeStatus({ type: 'status', vehicle, state: 'offline' }),
    qos: 1,
    retain: true,
  };
}
