import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../sync/limits.js';
import { encodeDelta, encodeManifest, openDelta, openManifest } from '../../../sync/messages.js';
import { SyncRejection } from '../../../sync/rejection.js';
import type { Delta } from '../../../sync/schemas/delta.js';
import { keyIdOf, parsePublicKey, pinKeys, signBytes, verifyEnvelope } from '../../../sync/signing.js';
import { packSnapshotToMemory } from '../../../sync/snapshot.js';
import { DAY, entries, NOW, passRow } from './fixtures.js';

const depot = generateKeyPairSync('ed25519');
const next = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const pinned = pinKeys([depot.publicKey]);

function delta(from: number, over: Partial<Delta> = {}): Delta {
  return {
    type: 'delta',
    from_version: from,
    to_version: from + 1,
    created_at: new Date(NOW).toISOString(),
    expires_at: new Date(NOW + 3 * DAY).toISOString(),
    network_version: null,
    upserts: [{ ...passRow(1), status: 'refunded' }],
    removals: ['P9'],
    card_changes: [{ idm: '0114b3a1c2d3e4f5', pass_id: 'P2', valid_until: '2026-09-30' }],
    ...over,
  };
}

function envelope(message: Buffer): Record<string, string> {
  return JSON.parse(message.toString('utf8')) as Record<string, string>;
}

function reencode(env: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify(env));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SyncRejection) return err.code;
    throw err;
  }
  return undefined;
}

describe('signed envelopes', () => {
  it('round-trips a delta signed by the pinned depot key', () => {
    const { keyId, payload } = openDelta(encodeDelta(delta(4), depot.privateKey), pinned);
    expect(keyId).toBe(keyIdOf(depot.publicKey));
    expect(payload.to_version).toBe(5);
    expect(payload.removals).toEqual(['P9']);
  });

  it('names a key by 16 hex characters of sha256 over its SPKI DER, same for either half', () => {
    expect(keyIdOf(depot.publicKey)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(depot.privateKey)).toBe(keyIdOf(depot.publicKey));
    expect(keyIdOf(next.publicKey)).not.toBe(keyIdOf(depot.publicKey));
  });

  it('pins keys given as PEM or as base64 SPKI DER', () => {
    const pem = depot.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const der = depot.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(pinKeys([pem, der]).map((k) => k.keyId)).toEqual([pinned[0]!.keyId, pinned[0]!.keyId]);
  });

  it('refuses to pin a key that is not Ed25519', () => {
    const rsa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => parsePublicKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(
      /not Ed25519/,
    );
  });

  it('refuses a message signed by a key that is not pinned (unknown_key)', () => {
    expect(codeOf(() => openDelta(encodeDelta(delta(4), stranger.privateKey), pinned))).toBe('unknown_key');
  });

  it('refuses a forged signature: a stranger signs but claims the depot key id (bad_signature)', () => {
    const forged = envelope(encodeDelta(delta(4), stranger.privateKey));
    forged.key_id = pinned[0]!.keyId;
    expect(codeOf(() => openDelta(reencode(forged), pinned))).toBe('bad_signature');
  });

  it('refuses a truncated signature (bad_signature)', () => {
    const env = envelope(encodeDelta(delta(4), depot.privateKey));
    env.sig = Buffer.from(env.sig!, 'base64').subarray(0, 48).toString('base64');
    expect(codeOf(() => openDelta(reencode(env), pinned))).toBe('bad_signature');
  });

  it('refuses a valid signature moved onto a payload with another version (bad_signature)', () => {
    const good = envelope(encodeDelta(delta(4), depot.privateKey));
    const other = envelope(encodeDelta(delta(5), depot.privateKey));
    expect(codeOf(() => openDelta(reencode({ ...other, sig: good.sig! }), pinned))).toBe('bad_signature');
  });

  it('refuses a payload altered by one byte after signing (bad_signature)', () => {
    const env = envelope(encodeDelta(delta(4), depot.privateKey));
    const bytes = Buffer.from(env.payload!, 'base64');
    const text = bytes.toString('utf8').replace('"to_version":5', '"to_version":6');
    env.payload = Buffer.from(text).toString('base64');
    expect(codeOf(() => openDelta(reencode(env), pinned))).toBe('bad_signature');
  });

  it('verifies the exact signed bytes, whatever their formatting', () => {
    const bytes = Buffer.from(`{ "type": "delta",\n${JSON.stringify(delta(4)).slice(16)}`);
    expect(JSON.parse(bytes.toString()).type).toBe('delta');
    const { payload } = verifyEnvelope(signBytes(bytes, depot.privateKey), pinned, LIMITS.deltaMessageBytes);
    expect(payload.equals(bytes)).toBe(true);
  });

  it('refuses another algorithm (unknown_key) and non-envelopes (malformed)', () => {
    const env = envelope(encodeDelta(delta(4), depot.privateKey));
    expect(codeOf(() => openDelta(reencode({ ...env, alg: 'rsa' }), pinned))).toBe('unknown_key');
    expect(codeOf(() => openDelta(Buffer.from('not json'), pinned))).toBe('malformed');
    expect(codeOf(() => openDelta(Buffer.from('{"key_id":"x"}'), pinned))).toBe('malformed');
    expect(codeOf(() => openDelta(reencode({ ...env, payload: '@@@@' }), pinned))).toBe('malformed');
    expect(codeOf(() => openDelta(reencode({ ...env, extra: '1' }), pinned))).toBe('malformed');
  });

  it('refuses a manifest signed as what it is not: a signed delta is not a manifest (malformed)', () => {
    expect(codeOf(() => openManifest(encodeDelta(delta(4), depot.privateKey), pinned))).toBe('malformed');
  });

  it('refuses an oversized message before parsing it (too_large)', () => {
    const huge = Buffer.alloc(LIMITS.manifestMessageBytes + 1, 0x20);
    expect(codeOf(() => openManifest(huge, pinned))).toBe('too_large');
  });

  it('accepts either of two pinned keys during a rotation, and only those', () => {
    const both = pinKeys([depot.publicKey, next.publicKey]);
    expect(openDelta(encodeDelta(delta(4), depot.privateKey), both).keyId).toBe(both[0]!.keyId);
    expect(openDelta(encodeDelta(delta(5), next.privateKey), both).keyId).toBe(both[1]!.keyId);
    expect(codeOf(() => openDelta(encodeDelta(delta(5), next.privateKey), pinned))).toBe('unknown_key');
    expect(codeOf(() => openDelta(encodeDelta(delta(5), stranger.privateKey), both))).toBe('unknown_key');
  });

  it('signs a packed manifest the bus can open', async () => {
    const { manifest } = await packSnapshotToMemory(entries(50, 2), {
      version: 7,
      createdAt: NOW,
      expiresAt: NOW + 2 * DAY,
      networkVersion: 'gtfs-2026-04',
    });
    expect(openManifest(encodeManifest(manifest, depot.privateKey), pinned).payload).toEqual(manifest);
  });
});
