import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { connect, type IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueLeaf, type PairPaths } from '../../../sync/tls/issue.js';
import { type OpensslRunner, opensslRunner } from '../../../sync/tls/openssl.js';
import { initTls, type TlsSummary } from '../../../sync/tls/tls-setup.js';
import {
  BUS_TLS_SETTINGS,
  describeConnectError,
  type TlsSettingNames,
  tlsHint,
} from '../../../sync/tls-hint.js';
import { type Mosquitto, startMosquitto } from '../../helpers/mosquitto.js';

/**
 * The hint for each way a TLS connection goes wrong, on the error objects a real handshake
 * produces: certificates made by `openssl` (an expired pair under libfaketime), mqtt.js as the
 * client as in the depot tools and the bus, and a real mosquitto with `require_certificate` for
 * the broker refusing us. (node's own TLS server is no stand-in there: it checks the client
 * certificate after the handshake and hangs up without the alert mosquitto's OpenSSL sends.)
 * Node TLS servers serve the broker certificates *we* refuse, where the server side plays no part.
 */
const DEPOT: TlsSettingNames = { url: '--mqtt', ca: '--ca', cert: '--tls-cert', key: '--tls-key' };
const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime', '/usr/lib/aarch64-linux-gnu/faketime']
  .map((d) => join(d, 'libfaketime.so.1'))
  .find((f) => existsSync(f));

let dir: string;
let broker: Mosquitto | undefined;
let ours: TlsSummary;
let theirs: TlsSummary;
const servers: Server[] = [];
let port: { good: number; altName: number; expired: number; plain: number; closed: number };
let expiredClient: PairPaths;

/** openssl with its clock ten days back: a one-day certificate it makes has expired today. */
const tenDaysAgo: OpensslRunner = (args, cwd) =>
  new Promise((resolve, reject) => {
    execFile(
      'openssl',
      [...args],
      { cwd, env: { ...process.env, LD_PRELOAD: LIBFAKETIME, FAKETIME: '-10d' } },
      (err) => (err ? reject(err) : resolve()),
    );
  });

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    }),
  );
}

/** A TLS server showing this certificate; no client ever gets past our own check of it. */
function serving(cert: PairPaths): Promise<number> {
  return listen(createTlsServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }));
}

beforeAll(async () => {
  expect(LIBFAKETIME, 'libfaketime (Debian package libfaketime) is needed').toBeDefined();
  dir = mkdtempSync(join(tmpdir(), 'teiki-tls-hint-'));
  const run = opensslRunner();
  [ours, theirs] = await Promise.all([
    initTls({ out: join(dir, 'ours'), buses: ['bus-101'] }, run),
    initTls({ out: join(dir, 'theirs'), buses: ['bus-101'] }, run),
  ]);
  const altName = { cert: join(dir, 'alt.crt'), key: join(dir, 'alt.key') };
  const expiredServer = { cert: join(dir, 'old-broker.crt'), key: join(dir, 'old-broker.key') };
  expiredClient = { cert: join(dir, 'old-bus.crt'), key: join(dir, 'old-bus.key') };
  await Promise.all([
    issueLeaf(run, ours.ca, altName, {
      commonName: 'broker.invalid',
      days: 30,
      kind: { usage: 'server', names: ['broker.invalid'] },
    }),
    issueLeaf(tenDaysAgo, ours.ca, expiredServer, {
      commonName: 'localhost',
      days: 1,
      kind: { usage: 'server', names: ['localhost', '127.0.0.1'] },
    }),
    issueLeaf(tenDaysAgo, ours.ca, expiredClient, {
      commonName: 'bus-101',
      days: 1,
      kind: { usage: 'client' },
    }),
  ]);
  // A plain TCP server that hangs up on a TLS hello, and a port nobody listens on.
  const plain = createNetServer((socket) => socket.destroy());
  const closed = await listen(createNetServer());
  await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
  // The TLS settings of the generated mosquitto.conf on the harness's listener.
  broker = await startMosquitto({
    extraConfig: [
      `cafile ${ours.ca.cert}`,
      `certfile ${ours.broker.cert}`,
      `keyfile ${ours.broker.key}`,
      'require_certificate true',
      'use_identity_as_username true',
    ],
  });
  port = {
    good: broker.port,
    altName: await serving(altName),
    expired: await serving(expiredServer),
    plain: await listen(plain),
    closed,
  };
});

afterAll(async () => {
  await broker?.dispose();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const bus = () => ours.buses[0]!;
const files = (pair: { ca?: string; cert?: string; key?: string }): IClientOptions => ({
  ...(pair.ca ? { ca: readFileSync(pair.ca) } : {}),
  ...(pair.cert ? { cert: readFileSync(pair.cert) } : {}),
  ...(pair.key ? { key: readFileSync(pair.key) } : {}),
});

/** The error mqtt.js reports for this connection: thrown at once, or its first 'error' event. */
async function failure(url: string, tls: IClientOptions): Promise<unknown> {
  let client: ReturnType<typeof connect>;
  try {
    client = connect(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000, ...tls });
  } catch (err) {
    return err;
  }
  return new Promise((resolve, reject) => {
    client.once('error', (err) => {
      client.on('error', () => undefined);
      client.end(true);
      resolve(err);
    });
    client.once('connect', () => {
      client.end(true);
      reject(new Error('connected, but the case expects a failure'));
    });
    client.once('close', () => reject(new Error('closed without an error')));
  });
}

const at = (p: number, host = '127.0.0.1') => `mqtts://${host}:${p}`;

describe('tlsHint on real TLS failures', () => {
  it('names the CA setting when the broker is not signed by the CA given, or none is', async () => {
    for (const ca of [theirs.ca.cert, undefined]) {
      const err = await failure(at(port.good), files({ ca, cert: bus().cert, key: bus().key }));
      expect((err as { code: string }).code).toMatch(
        /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)$/,
      );
      expect(tlsHint(err, DEPOT)).toMatch(/not signed by the CA in --ca: set --ca to the teiki CA/);
      expect(tlsHint(err, BUS_TLS_SETTINGS)).toMatch(/set mqtt.ca to the teiki CA/);
    }
  });

  it('names the URL when the broker certificate does not cover its host', async () => {
    const err = await failure(
      at(port.altName),
      files({ ca: ours.ca.cert, cert: bus().cert, key: bus().key }),
    );
    expect(err).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(tlsHint(err, DEPOT)).toMatch(/does not name the host in --mqtt.*--broker-host/);
    expect(tlsHint(err, BUS_TLS_SETTINGS)).toMatch(/host in mqtt.url/);
  });

  it("says the broker's certificate expired", async () => {
    const err = await failure(
      at(port.expired),
      files({ ca: ours.ca.cert, cert: bus().cert, key: bus().key }),
    );
    expect(err).toMatchObject({ code: 'CERT_HAS_EXPIRED' });
    expect(tlsHint(err, DEPOT)).toMatch(/broker's certificate has expired/);
  });

  it('names the certificate and key settings when the broker wants a client certificate', async () => {
    const err = await failure(at(port.good), files({ ca: ours.ca.cert }));
    expect(err).toMatchObject({
      code: expect.stringMatching(/^ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED$|HANDSHAKE_FAILURE$/),
    });
    expect(tlsHint(err, DEPOT)).toBe(
      'the broker requires a client certificate: set --tls-cert and --tls-key',
    );
    expect(tlsHint(err, BUS_TLS_SETTINGS)).toBe(
      'the broker requires a client certificate: set mqtt.cert and mqtt.key',
    );
  });

  it('names the certificate setting when the broker does not know its CA', async () => {
    const stranger = theirs.buses[0]!;
    const err = await failure(
      at(port.good),
      files({ ca: ours.ca.cert, cert: stranger.cert, key: stranger.key }),
    );
    expect(err).toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    expect(tlsHint(err, DEPOT)).toMatch(/does not know the CA that issued --tls-cert/);
  });

  it('names the certificate setting when ours has expired', async () => {
    const err = await failure(
      at(port.good),
      files({ ca: ours.ca.cert, cert: expiredClient.cert, key: expiredClient.key }),
    );
    expect(err).toMatchObject({ code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED' });
    expect(tlsHint(err, BUS_TLS_SETTINGS)).toMatch(/certificate in mqtt.cert has expired/);
  });

  it('names the key and certificate settings when they do not belong together', async () => {
    const err = await failure(
      at(port.good),
      files({ ca: ours.ca.cert, cert: bus().cert, key: ours.depot.key }),
    );
    expect(err).toMatchObject({ code: 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' });
    expect(tlsHint(err, DEPOT)).toBe(
      '--tls-key is not the private key of the certificate in --tls-cert: give the pair that belongs together',
    );
  });

  it('names the file setting that holds no PEM', async () => {
    const notPem = { ca: readFileSync(ours.ca.cert), key: readFileSync(bus().key) };
    const badCert = await failure(at(port.good), { ...notPem, cert: Buffer.from('not a certificate') });
    expect(tlsHint(badCert, BUS_TLS_SETTINGS)).toBe('mqtt.cert does not hold a PEM certificate');
    const badKey = await failure(at(port.good), {
      ca: readFileSync(ours.ca.cert),
      cert: readFileSync(bus().cert),
      key: Buffer.from('not a key'),
    });
    expect(tlsHint(badKey, BUS_TLS_SETTINGS)).toBe('mqtt.key does not hold a PEM private key');
  });

  it('names the URL when nothing listens, or something that is not a TLS listener hangs up', async () => {
    const tls = files({ ca: ours.ca.cert, cert: bus().cert, key: bus().key });
    const refused = await failure(at(port.closed), tls);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    expect(tlsHint(refused, DEPOT)).toMatch(/nothing answers at --mqtt/);
    const hungUp = await failure(at(port.plain), tls);
    expect(hungUp).toMatchObject({ code: 'ECONNRESET' });
    expect(tlsHint(hungUp, DEPOT)).toMatch(/scheme and port in --mqtt/);
  });

  it('gives no hint for errors it does not know', () => {
    expect(tlsHint(new Error('something else'), DEPOT)).toBeNull();
    expect(tlsHint(Object.assign(new Error('x'), { code: 'ERR_SOMETHING' }), DEPOT)).toBeNull();
    expect(tlsHint(null, DEPOT)).toBeNull();
    expect(describeConnectError(new Error('boom'), DEPOT)).toBe('boom');
  });

  it('describes an OpenSSL alert in one line, by its reason and the hint', async () => {
    const err = await failure(at(port.good), files({ ca: ours.ca.cert }));
    const line = describeConnectError(err, DEPOT);
    expect(line).not.toMatch(/\n|\.c:\d+/);
    expect(line).toMatch(/alert .*; the broker requires a client certificate: set --tls-cert and --tls-key$/);
  });
});
