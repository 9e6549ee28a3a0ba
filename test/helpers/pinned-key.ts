/**
 * A depot public key to pin in a test config that names a broker: the schema requires one with
 * `mqtt.url` (issue 12). Tests that never receive a signed list need no private half.
 */
import { generateKeyPairSync } from 'node:crypto';

export const PINNED_TEST_KEY = generateKeyPairSync('ed25519')
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

/** The `trust` section of such a config. */
export const TEST_TRUST = { depot_public_keys: [PINNED_TEST_KEY] } as const;
