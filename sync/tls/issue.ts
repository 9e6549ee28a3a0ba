/**
 * Making the CA and issuing leaf certificates with `openssl` (EC P-256 keys, SHA-256). Each pair is
 * made in a scratch directory beside its final place and linked in key first, certificate last:
 * a file that exists is never overwritten (link fails on EEXIST), and an interrupted run leaves at
 * worst a key without a certificate, which the next run reports instead of guessing.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import type { OpensslRunner } from './openssl.js';

export interface PairPaths {
  readonly cert: string;
  readonly key: string;
}

export type LeafKind =
  | { readonly usage: 'server'; readonly names: readonly string[] }
  | { readonly usage: 'client' };

const CA_DAYS = 3650;

async function inScratch(
  out: PairPaths,
  make: (scratch: string, key: string, cert: string) => Promise<void>,
): Promise<void> {
  const scratch = mkdtempSync(join(dirname(out.key), '.teiki-tls-'));
  try {
    const key = join(scratch, 'new.key');
    const cert = join(scratch, 'new.crt');
    await make(scratch, key, cert);
    chmodSync(key, 0o600);
    chmodSync(cert, 0o644);
    linkSync(key, out.key);
    linkSync(cert, out.cert);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const genKey = (key: string) => [
  'genpkey',
  '-algorithm',
  'EC',
  '-pkeyopt',
  'ec_paramgen_curve:P-256',
  '-out',
  key,
];

export async function makeCa(run: OpensslRunner, out: PairPaths, commonName: string): Promise<void> {
  await inScratch(out, async (scratch, key, cert) => {
    await run(genKey(key), scratch);
    await run(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        key,
        '-sha256',
        '-days',
        String(CA_DAYS),
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-out',
        cert,
      ],
      scratch,
    );
  });
}

/** `DNS:name` or `IP:address`, as openssl's subjectAltName wants them. */
export function altNameEntry(name: string): string {
  return isIP(name) ? `IP:${name}` : `DNS:${name}`;
}

export async function issueLeaf(
  run: OpensslRunner,
  ca: PairPaths,
  out: PairPaths,
  leaf: { readonly commonName: string; readonly days: number; readonly kind: LeafKind },
): Promise<void> {
  await inScratch(out, async (scratch, key, cert) => {
    const ext = join(scratch, 'leaf.ext');
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        `extendedKeyUsage=${leaf.kind.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
        ...(leaf.kind.usage === 'server'
          ? [`subjectAltName=${leaf.kind.names.map(altNameEntry).join(',')}`]
          : []),
        '',
      ].join('\n'),
    );
    const csr = join(scratch, 'new.csr');
    await run(genKey(key), scratch);
    await run(['req', '-new', '-key', key, '-subj', `/CN=${leaf.commonName}`, '-out', csr], scratch);
    await run(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.cert,
        '-CAkey',
        ca.key,
        // A random serial: no serial file to keep, and no two certificates alike.
        '-set_serial',
        `0x${randomBytes(16).toString('hex')}`,
        '-days',
        String(leaf.days),
        '-sha256',
        '-extfile',
        ext,
        '-out',
        cert,
      ],
      scratch,
    );
  });
}
