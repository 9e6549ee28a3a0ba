/**
 * Reading certificates we issued, with node:crypto (no openssl needed to read): the CN a broker
 * will take as the username, the names a server certificate covers, and whether a certificate
 * and key belong to our CA and to each other. Every error names the file.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

export function readCertificate(path: string): X509Certificate {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new CertificateError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    return new X509Certificate(pem);
  } catch {
    throw new CertificateError(`${path} is not a PEM certificate`);
  }
}

/** The subject's CN (our certificates have exactly one), or null. */
export function commonName(cert: X509Certificate): string | null {
  // `subject` is one "KEY=value" per line; our CNs never contain a newline (vehicle id pattern).
  const line = cert.subject.split('\n').find((l) => l.startsWith('CN='));
  return line ? line.slice(3) : null;
}

/**
 * An IPv6 address as node prints it in a subjectAltName ("0:0:0:0:0:0:0:1" for "::1"), so a name
 * given on the command line compares equal to the one in the certificate; anything else as is.
 */
export function canonicalName(name: string): string {
  if (isIP(name) !== 6 || name.includes('.')) return name.toLowerCase();
  const [head = '', tail] = name.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** DNS names and IP addresses in the subjectAltName, e.g. ["localhost", "127.0.0.1"]. */
export function altNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
    .filter((name) => name !== '');
}

/**
 * Refuses a certificate our CA did not sign, or a key that is not the certificate's. `keyPath`
 * null: the key is not here (moved to the host that uses it), only the certificate is checked.
 */
export function checkIssuedPair(
  ca: X509Certificate,
  certPath: string,
  keyPath: string | null,
): X509Certificate {
  const cert = readCertificate(certPath);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    throw new CertificateError(`${certPath} was not issued by this CA`);
  }
  if (keyPath === null) return cert;
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(readFileSync(keyPath));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CertificateError(`cannot read the private key ${keyPath} (${code ?? 'not a PEM key'})`);
  }
  if (!cert.checkPrivateKey(key)) throw new CertificateError(`${keyPath} is not the key of ${certPath}`);
  return cert;
}
