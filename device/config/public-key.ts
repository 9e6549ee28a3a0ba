import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * A pinned depot key (config `trust.depot_public_keys`): PEM text or base64 SPKI DER, Ed25519
 * only. The config schema checks every key with it, so a bad key stops start-up naming the key
 * (exit 2) instead of failing later inside the list sync; sync/signing.ts pins keys with it.
 * Throws TypeError with a message fit for `config.json: trust.depot_public_keys[0]: …`.
 */
export function parseEd25519PublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  // createPublicKey would derive the public half of a private key: a depot private key does not
  // belong on a bus, so only a PUBLIC KEY block is taken.
  if (trimmed.startsWith('-----BEGIN') && !trimmed.startsWith('-----BEGIN PUBLIC KEY-----')) {
    throw new TypeError('is not a PUBLIC KEY block (a private key must never be on a bus)');
  }
  let key: KeyObject;
  try {
    key = trimmed.startsWith('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new TypeError('is not a public key (PEM, or base64 of SPKI DER)');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`is a ${key.asymmetricKeyType ?? key.type} key, not Ed25519`);
  }
  return key;
}
