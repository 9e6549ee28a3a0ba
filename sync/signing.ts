import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { z } from 'zod';
import { parseEd25519PublicKey } from '../device/config/public-key.js';
import { SyncRejection } from './rejection.js';
import { parseJsonBytes, validate } from './schemas/common.js';

/**
 * Signed envelopes: `{ key_id, alg: 'ed25519', payload, sig }`, JSON on the wire. `payload` is the
 * base64 of the exact payload bytes (UTF-8 JSON) and `sig` is Ed25519 over those bytes behind a
 * fixed context prefix: the bus verifies the bytes it received and parses them only afterwards,
 * so no re-serialisation can make a valid signature cover something else. The payload's own
 * `type` field keeps a signed manifest from being taken for a delta.
 */
export const SIGNATURE_ALG = 'ed25519';
/** Domain separation: a depot key's signature over other data can never pass for a list. */
const CONTEXT = Buffer.from('teiki/v1 signed payload\n', 'utf8');
const SIGNATURE_BYTES = 64;
const KEY_ID_HEX = 16;

export interface PinnedKey {
  readonly keyId: string;
  readonly key: KeyObject;
}

/**
 * Canonical base64 (standard alphabet, padded), checked by a round trip through Buffer: linear and
 * native. A backtracking regex here overflowed V8's stack on a payload of ~6 MB (a legitimate
 * delta near its 8 MiB bound) and held the event loop ~170 ms at 4 MB (issue 7, hostile input).
 */
function isBase64(s: string): boolean {
  return s.length % 4 === 0 && Buffer.from(s, 'base64').toString('base64') === s;
}
const Base64 = z.string().refine(isBase64, 'must be base64');

const EnvelopeSchema = z
  .object({
    key_id: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex characters'),
    alg: z.string().max(32),
    payload: Base64,
    // A truncated or padded signature is still an envelope; it fails as bad_signature below.
    sig: z.string().max(128).refine(isBase64, 'must be base64'),
  })
  .strict();
export type Envelope = z.infer<typeof EnvelopeSchema>;

function assertEd25519(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`${what} is a ${key.asymmetricKeyType ?? key.type} key, not Ed25519`);
  }
}

/** First 16 hex characters of sha256 over the public key's SPKI DER (private keys: their public half). */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  assertEd25519(pub, 'key');
  const der = pub.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, KEY_ID_HEX);
}

/** A pinned key from PEM text or base64 SPKI DER (config `trust.depot_public_keys`). */
export function parsePublicKey(text: string): KeyObject {
  try {
    return parseEd25519PublicKey(text);
  } catch (err) {
    throw new TypeError(`pinned key ${(err as Error).message}`);
  }
}

/** Several keys may be pinned at once: the old and the new depot key during a rotation. */
export function pinKeys(keys: readonly (string | KeyObject)[]): PinnedKey[] {
  return keys.map((k) => {
    const key = typeof k === 'string' ? parsePublicKey(k) : k;
    return { keyId: keyIdOf(key), key };
  });
}

function signedBytes(payload: Uint8Array): Buffer {
  return Buffer.concat([CONTEXT, payload]);
}

/** Signs exact payload bytes; returns the envelope as it goes on the wire. */
export function signBytes(payload: Uint8Array, privateKey: KeyObject): Buffer {
  assertEd25519(privateKey, 'signing key');
  const envelope: Envelope = {
    key_id: keyIdOf(privateKey),
    alg: SIGNATURE_ALG,
    payload: Buffer.from(payload).toString('base64'),
    sig: sign(null, signedBytes(payload), privateKey).toString('base64'),
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

/** Serialises a payload once and signs those bytes. */
export function signPayload(payload: unknown, privateKey: KeyObject): Buffer {
  return signBytes(Buffer.from(JSON.stringify(payload), 'utf8'), privateKey);
}

export interface Verified {
  readonly keyId: string;
  /** The exact bytes the signature covers. */
  readonly payload: Buffer;
}

/**
 * Checks an envelope against the pinned keys and returns the payload bytes it vouches for.
 * Throws `SyncRejection`: too_large / malformed (not an envelope), unknown_key (key not pinned or
 * another algorithm), bad_signature (forged, altered or truncated).
 */
export function verifyEnvelope(message: Uint8Array, keys: readonly PinnedKey[], maxBytes: number): Verified {
  const envelope = validate(EnvelopeSchema, parseJsonBytes(message, maxBytes, 'envelope'), 'envelope');
  if (envelope.alg !== SIGNATURE_ALG) {
    throw new SyncRejection('unknown_key', `algorithm ${JSON.stringify(envelope.alg)} is not accepted`);
  }
  const pinned = keys.find((k) => k.keyId === envelope.key_id);
  if (!pinned) throw new SyncRejection('unknown_key', `key ${envelope.key_id} is not pinned`);
  const sig = Buffer.from(envelope.sig, 'base64');
  const payload = Buffer.from(envelope.payload, 'base64');
  if (sig.length !== SIGNATURE_BYTES || !verify(null, signedBytes(payload), pinned.key, sig)) {
    throw new SyncRejection('bad_signature', `signature does not verify with key ${envelope.key_id}`);
  }
  return { keyId: pinned.keyId, payload };
}

/** Verifies, then parses the vouched-for bytes with the boundary's schema. */
export function openSigned<T>(
  message: Uint8Array,
  keys: readonly PinnedKey[],
  schema: z.ZodType<T>,
  maxBytes: number,
  what: string,
): { readonly keyId: string; readonly payload: T } {
  const { keyId, payload } = verifyEnvelope(message, keys, maxBytes);
  return { keyId, payload: validate(schema, parseJsonBytes(payload, maxBytes, what), what) };
}
