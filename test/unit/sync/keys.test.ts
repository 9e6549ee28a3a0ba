import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDepotKeys, loadDepotPrivateKey, loadPublicKey } from '../../../sync/keys.js';
import { keyIdOf, pinKeys, signPayload, verifyEnvelope } from '../../../sync/signing.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'teiki-keys-'));
  dirs.push(d);
  return d;
};

describe('depot keys', () => {
  it('writes a 0600 private key and a PEM public key named by key id', () => {
    const out = join(tempDir(), 'keys');
    const files = generateDepotKeys(out);
    expect(files.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(files.privateKeyPath).toBe(join(out, `depot-${files.keyId}.key`));
    expect(statSync(files.privateKeyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(files.publicKeyPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const priv = loadDepotPrivateKey(files.privateKeyPath);
    const pub = loadPublicKey(files.publicKeyPath);
    expect(keyIdOf(priv)).toBe(files.keyId);
    const message = signPayload({ hello: 1 }, priv);
    expect(verifyEnvelope(message, pinKeys([pub]), 1024).keyId).toBe(files.keyId);
    // The PEM text goes into config trust.depot_public_keys as it is.
    expect(pinKeys([readFileSync(files.publicKeyPath, 'utf8')])[0]!.keyId).toBe(files.keyId);
  });

  it('keeps two pairs side by side for a rotation', () => {
    const out = tempDir();
    const a = generateDepotKeys(out);
    const b = generateDepotKeys(out);
    expect(a.keyId).not.toBe(b.keyId);
    expect(readFileSync(a.privateKeyPath, 'utf8')).not.toBe(readFileSync(b.privateKeyPath, 'utf8'));
  });

  it('refuses a private key that others can read', () => {
    const files = generateDepotKeys(tempDir());
    chmodSync(files.privateKeyPath, 0o644);
    expect(() => loadDepotPrivateKey(files.privateKeyPath)).toThrow(/readable by others/);
  });
});
