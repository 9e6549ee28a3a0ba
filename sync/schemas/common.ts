import { z } from 'zod';
import { SyncRejection } from '../rejection.js';
import { VEHICLE_ID_PATTERN } from '../topics.js';

/** Field types shared by the sync payloads. Every string and number is bounded. */
export const ListVersion = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
export const IsoTime = z.iso.datetime();
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
export const VehicleId = z.string().regex(VEHICLE_ID_PATTERN, 'must be a topic-safe vehicle id');
export const Idm = z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex characters');
export const PassId = z.string().min(1).max(128);
export const CalendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
export const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Zod issues as one line naming the field, for logs and `SyncRejection` messages. */
export function describeIssues(error: z.ZodError, max = 3): string {
  return error.issues
    .slice(0, max)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Validates a value against a boundary schema. A too-big length claim is `too_large`, anything
 * else `malformed`; zod checks `.max()` on arrays and strings before walking their items.
 */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const tooBig = result.error.issues.some((i) => i.code === 'too_big');
  throw new SyncRejection(tooBig ? 'too_large' : 'malformed', `${what}: ${describeIssues(result.error)}`);
}

/** Strict UTF-8 then JSON; the byte bound is checked before decoding anything. */
export function parseJsonBytes(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new SyncRejection('too_large', `${what}: ${bytes.byteLength} bytes, at most ${maxBytes}`);
  }
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (cause) {
    throw new SyncRejection('malformed', `${what}: not UTF-8`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new SyncRejection('malformed', `${what}: not JSON`, { cause });
  }
}

/** A whole JSON message of one boundary: bounded, decoded, validated. */
export function parseMessage<T>(schema: z.ZodType<T>, bytes: Uint8Array, maxBytes: number, what: string): T {
  return validate(schema, parseJsonBytes(bytes, maxBytes, what), what);
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
