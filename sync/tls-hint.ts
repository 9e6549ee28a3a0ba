/**
 * What to change when a connection to the broker fails: one pure mapping from the error that
 * node's TLS stack (through mqtt.js) reports to a hint naming the setting that fixes it, so the
 * operator reads "set --ca to the teiki CA" rather than "self-signed certificate in certificate
 * chain". The names differ by caller: the depot tools' flags, the bus config's `mqtt.*` keys.
 *
 * The codes are the ones a real handshake produces (test/unit/sync/tls-hint.test.ts makes each
 * against a real TLS server with wrong files): node's certificate-check codes when *we* refuse
 * the broker, OpenSSL alert codes (`ERR_SSL_…_ALERT_…`) when the *broker* refuses us, and the
 * OpenSSL errors mqtt.js throws synchronously when our own files do not fit together.
 */

/** The setting behind each part of a connection, as the operator writes it. */
export interface TlsSettingNames {
  readonly url: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** `teiki run`: the keys of the bus's config.json. */
export const BUS_TLS_SETTINGS: TlsSettingNames = {
  url: 'mqtt.url',
  ca: 'mqtt.ca',
  cert: 'mqtt.cert',
  key: 'mqtt.key',
};

/** We refused the broker's certificate: it does not chain to the CA we were given. */
const UNTRUSTED_BROKER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/** The broker refused our certificate (TLS alerts; "SSLV3"/"TLSV1" is OpenSSL's naming only). */
const REFUSED_CLIENT_CERT = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The hint for a failed connection, or null when the error is not one we can name a fix for. */
export function tlsHint(err: unknown, names: TlsSettingNames): string | null {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : '';
  const { url, ca, cert, key } = names;
  if (UNTRUSTED_BROKER.has(code)) {
    return `the broker's certificate is not signed by the CA in ${ca}: set ${ca} to the teiki CA certificate (teiki-ca.crt)`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the broker's certificate does not name the host in ${url}: use a name it covers, or reissue it with "teiki depot tls init --broker-host NAME"`;
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return "the broker's certificate has expired (or this machine's clock is wrong): reissue broker.crt with teiki depot tls init";
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return "the broker's certificate is not valid yet: check this machine's clock";
  }
  if (
    code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' ||
    code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'
  ) {
    return `the broker requires a client certificate: set ${cert} and ${key}`;
  }
  if (code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA') {
    return `the broker does not know the CA that issued ${cert}: use a certificate issued by the teiki CA (teiki depot tls)`;
  }
  if (code === 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED') {
    return `the certificate in ${cert} has expired (or the broker's clock is wrong): issue a new one`;
  }
  if (REFUSED_CLIENT_CERT.has(code)) {
    return `the broker refused the certificate in ${cert}: use one issued by the teiki CA, with its key in ${key}`;
  }
  if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') {
    return `${key} is not the private key of the certificate in ${cert}: give the pair that belongs together`;
  }
  if (code === 'ERR_OSSL_PEM_NO_START_LINE') {
    return `${cert} does not hold a PEM certificate`;
  }
  if (code === 'ERR_OSSL_UNSUPPORTED' && /DECODER/.test(message)) {
    return `${key} does not hold a PEM private key`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ECONNRESET') {
    return `the broker closed the connection during set-up: check the scheme and port in ${url} (mqtts:// for its TLS listener)`;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `nothing answers at ${url}: check its host and port, and that the broker runs`;
  }
  return null;
}

/** Failures that may pass by themselves (nothing listens yet, a name not resolved, a reset). */
const TRANSIENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET']);

/**
 * Whether a failed connection is a setting to fix (a TLS file, the CA, the scheme) rather than a
 * broker that may answer next time: the command line says exit 2 for the one and 1 for the other.
 */
export function isSettingsProblem(err: unknown): boolean {
  return !TRANSIENT.has(codeOf(err)) && tlsHint(err, BUS_TLS_SETTINGS) !== null;
}

/**
 * One line for a failed connection: the error's own words and the hint. OpenSSL errors carry a
 * multi-line dump with source file names; their `reason` ("tlsv13 alert certificate required")
 * says the same in a few words.
 */
export function describeConnectError(err: unknown, names: TlsSettingNames): string {
  const reason = (err as { reason?: unknown } | null)?.reason;
  const text =
    typeof reason === 'string' && reason !== '' ? reason : err instanceof Error ? err.message : String(err);
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const hint = tlsHint(err, names);
  return hint ? `${oneLine}; ${hint}` : oneLine;
}
