import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirSync } from '../device/store/make-dir.js';
import { keyIdOf, parsePublicKey } from './signing.js';

/**
 * Depot signing keys on disk (`teiki depot keys generate --out DIR`). Files are named by key id so
 * a rotation can keep the old and new pair side by side; an existing file is never overwritten.
 * The private key is PKCS#8 PEM, mode 0600; the public key SPKI PEM, for `trust.depot_public_keys`.
 */
export interface DepotKeyFiles {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
  readonly keyId: string;
}

export function generateDepotKeys(outDir: string): DepotKeyFiles {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  makeDirSync(outDir, 0o700);
  const privateKeyPath = join(outDir, `depot-${keyId}.key`);
  const publicKeyPath = join(outDir, `depot-${keyId}.pub.pem`);
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  // 'wx': never overwrite a key; mode at creation so the secret is never briefly world-readable.
  writeFileSync(privateKeyPath, privatePem, { mode: 0o600, flag: 'wx' });
  chmodSync(privateKeyPath, 0o600); // in case the umask or filesystem widened it
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }), {
    mode: 0o644,
    flag: 'wx',
  });
  return { privateKeyPath, publicKeyPath, keyId };
}

/** Loads a depot private key; refuses one that group or others can read (like ssh does). */
export function loadDepotPrivateKey(path: string): KeyObject {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  const key = createPrivateKey(readFileSync(path));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 key`);
  return key;
}

/** Loads a public key file (PEM or base64 SPKI). */
export function loadPublicKey(path: string): KeyObject {
  return parsePublicKey(readFileSync(path, 'utf8'));
}

export { keyIdOf };
