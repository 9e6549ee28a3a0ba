import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../device/config/schema.js';
import { issueLeaf } from '../../sync/tls/issue.js';
import { opensslRunner } from '../../sync/tls/openssl.js';
import { initTls, type TlsSummary } from '../../sync/tls/tls-setup.js';
import { topics } from '../../sync/topics.js';
import { runTeiki, TEIKI, TeikiProcess } from '../helpers/cli.js';
import { connectMqtt } from '../helpers/mosquitto.js';
import { TEST_TRUST } from '../helpers/pinned-key.js';
import { CONSOLE_CONFIG } from '../helpers/workdir.js';
import {
  freePort,
  type GeneratedBroker,
  handToBrokerUser,
  startGeneratedBroker,
} from './tls-setup-broker.js';

/**
 * `teiki depot tls init` / `add-bus` end to end: the files it writes, a real mosquitto started on
 * its mosquitto.conf with no warning, and each identity's rights under its ACL, tried with the
 * certificates it issued. Then the TLS mistakes an operator makes, each answered by a message
 * naming the option or config key that fixes it.
 */
let base: string;
let dir: string;
let port: number;
let tls: TlsSummary;
/** A second TLS directory: another CA, and a depot certificate this broker does not know. */
let other: TlsSummary;
let broker: GeneratedBroker | undefined;
/** A pinned list key for the bus configs of `teiki run` (no list is published here). */
const TRUSTED_KEY = generateKeyPairSync('ed25519').publicKey.export({
  type: 'spki',
  format: 'pem',
}) as string;
const clients: MqttClient[] = [];

async function teiki(args: string[]): Promise<TlsSummary> {
  const r = await runTeiki(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as TlsSummary;
}

const initArgs = () => [
  'depot',
  'tls',
  'init',
  '--out',
  dir,
  '--broker-host',
  'broker.teiki.test',
  '--bus',
  'bus-101',
  '--bus',
  'bus-102',
  '--listen',
  `127.0.0.1:${port}`,
  '--persistence-dir',
  join(base, 'db'),
];

/** An MQTT 5 client with a certificate from the TLS directory. */
async function as(cert: string, key: string, ca = tls.ca.cert): Promise<MqttClient> {
  const c = await connectMqtt(`mqtts://127.0.0.1:${port}`, {
    ca: readFileSync(ca),
    cert: readFileSync(cert),
    key: readFileSync(key),
    rejectUnauthorized: true,
  });
  clients.push(c);
  return c;
}

/** Topics this client receives (non-retained and retained alike), in order. */
function inbox(c: MqttClient): string[] {
  const seen: string[] = [];
  c.on('message', (topic) => seen.push(topic));
  return seen;
}

async function eventually(test: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const warnings = (log: string) => log.split('\n').filter((l) => /warn/i.test(l));

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'teiki-tls-setup-'));
  chmodSync(base, 0o755); // the broker's own user walks through it to its files
  dir = join(base, 'tls');
  mkdirSync(join(base, 'db'));
  other = await teiki(['depot', 'tls', 'init', '--out', join(base, 'other')]);
  // Another process may take the port between freePort() and mosquitto's bind: try again with a
  // new --listen, which also runs init again over the same directory.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    tls = await teiki(initArgs());
    handToBrokerUser(dir, join(base, 'db'));
    try {
      broker = await startGeneratedBroker(tls.mosquitto_conf, port);
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await broker?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('teiki depot tls init', () => {
  it('writes the CA, broker, depot and bus certificates with the right names and modes', () => {
    const cert = (path: string) => new X509Certificate(readFileSync(path));
    const mode = (path: string) => statSync(path).mode & 0o777;
    const ca = cert(tls.ca.cert);
    expect(ca.ca).toBe(true);
    for (const key of [tls.ca.key, tls.broker.key, tls.depot.key, ...tls.buses.map((b) => b.key)]) {
      expect(mode(key)).toBe(0o600);
    }
    expect(mode(dir)).toBe(0o700);
    expect(cert(tls.depot.cert).subject).toBe('CN=depot');
    expect(tls.buses.map((b) => [b.vehicle, cert(b.cert).subject])).toEqual([
      ['bus-101', 'CN=bus-101'],
      ['bus-102', 'CN=bus-102'],
    ]);
    const server = cert(tls.broker.cert);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, DNS:broker.teiki.test');
    for (const leaf of [server, cert(tls.depot.cert), cert(tls.buses[0]!.cert)]) {
      expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
    }
  });

  it("prints each bus's mqtt block, valid as that bus's config", () => {
    const [bus101] = tls.buses;
    expect(bus101).toMatchObject({ vehicle: 'bus-101', action: 'created' });
    expect(bus101!.mqtt).toEqual({
      url: `mqtts://broker.teiki.test:${port}`,
      ca: '/etc/teiki/tls/teiki-ca.crt',
      cert: '/etc/teiki/tls/bus-101.crt',
      key: '/etc/teiki/tls/bus-101.key',
    });
    const config = ConfigSchema.parse({
      vehicle: { id: 'bus-101', operator: 'matsue-city' },
      mqtt: bus101!.mqtt,
      trust: TEST_TRUST,
    });
    expect(config.mqtt.cert).toBe('/etc/teiki/tls/bus-101.crt');
  });

  it('starts mosquitto on the generated config with no warning', () => {
    const log = broker!.log();
    expect(log).toContain('Config loaded from');
    expect(warnings(log)).toEqual([]);
  });
});

describe('each identity under the generated ACL, on the real broker', () => {
  it('lets the depot publish lists and read records, and refuses it a bus status', async () => {
    const depot = await as(tls.depot.cert, tls.depot.key);
    const bus = await as(tls.buses[0]!.cert, tls.buses[0]!.key);
    const busSees = inbox(bus);
    const depotSees = inbox(depot);
    await bus.subscribeAsync('teiki/v1/list/#', { qos: 1 });
    await depot.subscribeAsync([topics.allRecords, `teiki/v1/bus/+/ack`], { qos: 1 });

    await depot.publishAsync(topics.manifest, 'm', { qos: 1, retain: true });
    await eventually(() => busSees.includes(topics.manifest), 'the list at the bus');
    await expect(depot.publishAsync(topics.status('bus-101'), 'forged', { qos: 1 })).rejects.toThrow(
      /not authorized/i,
    );

    await bus.publishAsync(topics.records('bus-101'), 'batch', { qos: 1 });
    await eventually(() => depotSees.includes(topics.records('bus-101')), 'the records at the depot');
    // The depot writes acks but may not read them: its own ack never comes back to it.
    await depot.publishAsync(topics.ack('bus-101'), 'ack', { qos: 1 });
    await bus.publishAsync(topics.records('bus-101'), 'control', { qos: 1 });
    await eventually(() => depotSees.filter((t) => t === topics.records('bus-101')).length === 2, 'control');
    expect(depotSees).not.toContain(topics.ack('bus-101'));
  });

  it('lets a bus write its own topics only and read only its own acks', async () => {
    const depot = await as(tls.depot.cert, tls.depot.key);
    const bus101 = await as(tls.buses[0]!.cert, tls.buses[0]!.key);
    const bus102 = await as(tls.buses[1]!.cert, tls.buses[1]!.key);
    const seen101 = inbox(bus101);
    const seen102 = inbox(bus102);
    await bus101.subscribeAsync([topics.ack('bus-101'), topics.ack('bus-102'), topics.delta(2)], { qos: 1 });
    await bus102.subscribeAsync(topics.ack('bus-102'), { qos: 1 });

    await expect(bus101.publishAsync(topics.delta(2), 'forged', { qos: 1 })).rejects.toThrow(
      /not authorized/i,
    );
    await expect(bus101.publishAsync(topics.records('bus-102'), 'x', { qos: 1 })).rejects.toThrow(
      /not authorized/i,
    );
    await bus101.publishAsync(topics.status('bus-101'), 'online', { qos: 1, retain: true });

    await depot.publishAsync(topics.ack('bus-102'), 'ack', { qos: 1 });
    await depot.publishAsync(topics.ack('bus-101'), 'ack', { qos: 1 });
    await eventually(
      () => seen101.includes(topics.ack('bus-101')) && seen102.includes(topics.ack('bus-102')),
      'acks',
    );
    // Same publisher, in order: bus-102's ack would have reached bus-101 before its own.
    expect(seen101).toEqual([topics.ack('bus-101')]);
  });

  it('gives a certificate of the CA whose name the ACL does not list nothing at all', async () => {
    const stray = { cert: join(base, 'stray.crt'), key: join(base, 'stray.key') };
    await issueLeaf(opensslRunner(), tls.ca, stray, {
      commonName: 'bus-999',
      days: 1,
      kind: { usage: 'client' },
    });
    const c = await as(stray.cert, stray.key);
    await expect(c.publishAsync(topics.status('bus-999'), 'x', { qos: 1 })).rejects.toThrow(
      /not authorized/i,
    );
    const seen = inbox(c);
    await c.subscribeAsync('teiki/v1/#', { qos: 1 });
    const depot = await as(tls.depot.cert, tls.depot.key);
    await depot.publishAsync(topics.delta(3), 'd', { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
  });

  it('adds a bus: after add-bus and a reload it reads the lists, with still no warning', async () => {
    const cert = join(dir, 'buses', 'bus-103.crt');
    const added = await teiki(['depot', 'tls', 'add-bus', 'bus-103', '--out', dir]);
    expect(added.ca.action).toBe('reused');
    expect(added.buses.map((b) => [b.vehicle, b.action])).toEqual([
      ['bus-101', 'kept'],
      ['bus-102', 'kept'],
      ['bus-103', 'created'],
    ]);
    expect(readFileSync(added.acl, 'utf8')).toContain('user bus-103\ntopic read teiki/v1/list/#');

    const before = broker!.log().length;
    await broker!.reload();
    const bus = await as(cert, join(dir, 'buses', 'bus-103.key'));
    const seen = inbox(bus);
    await bus.subscribeAsync(topics.manifest, { qos: 1 });
    await eventually(() => seen.includes(topics.manifest), 'the retained manifest at bus-103');
    expect(warnings(broker!.log().slice(before))).toEqual([]);
  });
});

describe('running init again', () => {
  it('reuses the CA and keeps every certificate byte for byte', async () => {
    const files = [tls.ca.cert, tls.ca.key, tls.broker.cert, tls.depot.key, tls.buses[0]!.cert];
    const before = files.map((f) => readFileSync(f, 'utf8'));
    const again = await teiki([...initArgs(), '--bus', 'bus-104']);
    expect(again.ca.action).toBe('reused');
    expect(again.broker.action).toBe('kept');
    expect(again.depot.action).toBe('kept');
    expect(again.buses.find((b) => b.vehicle === 'bus-104')?.action).toBe('created');
    expect(files.map((f) => readFileSync(f, 'utf8'))).toEqual(before);
  });

  it('refuses a broker certificate that does not cover a new host name', async () => {
    const r = await runTeiki([...initArgs(), '--broker-host', 'other.teiki.test']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^teiki: .*broker\.crt does not cover other\.teiki\.test: move broker\.crt/);
  });
});

describe('help', () => {
  it('documents both commands, their options and the files', async () => {
    const init = await runTeiki(['depot', 'tls', 'init', '--help']);
    expect(init.code).toBe(0);
    for (const text of [
      '--out <dir>',
      '--broker-host <name>',
      '--bus <vehicle>',
      '--listen',
      '--broker-dir',
      'teiki-ca.crt',
    ]) {
      expect(init.stdout).toContain(text);
    }
    const addBus = await runTeiki(['depot', 'tls', 'add-bus', '--help']);
    expect(addBus.code).toBe(0);
    expect(addBus.stdout).toMatch(/add-bus \[options\] <vehicle\.\.\.>/);
    expect(addBus.stdout).toContain('reload mosquitto');
  });
});

describe('refusals', () => {
  it('refuses a reserved or malformed vehicle id, naming it', async () => {
    const reserved = await runTeiki(['depot', 'tls', 'add-bus', 'depot', '--out', dir]);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toBe('teiki: vehicle id "depot" is reserved for the depot\'s certificate\n');
    const bad = await runTeiki(['depot', 'tls', 'add-bus', 'bus/7', '--out', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^teiki: vehicle id "bus\/7" is not valid/);
  });

  it('refuses add-bus where no init ran, and a CA certificate without its key', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'teiki-tls-empty-'));
    try {
      const none = await runTeiki(['depot', 'tls', 'add-bus', 'bus-101', '--out', empty]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/has no teiki CA: run "teiki depot tls init --out/);
      const half = await initTls({ out: join(empty, 'half') }, opensslRunner());
      unlinkSync(half.ca.key);
      const r = await runTeiki(['depot', 'tls', 'init', '--out', join(empty, 'half')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/teiki-ca\.crt exists without .*teiki-ca\.key: restore it/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);

  it('exits 3 with what to install when openssl is missing', () => {
    const out = join(base, 'no-openssl');
    const r = spawnSync(process.execPath, [TEIKI, 'depot', 'tls', 'init', '--out', out], {
      env: { ...process.env, PATH: '/nonexistent' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toBe(
      'teiki: openssl is not installed or not on PATH: install it (Debian: apt-get install openssl)\n',
    );
  });
});

describe('a TLS mistake names the setting that fixes it', () => {
  const url = () => `mqtts://127.0.0.1:${port}`;

  it('depot fleet with the wrong CA, a certificate of another CA, or a key of another pair', async () => {
    const fleet = (ca: string, cert: string, key: string) =>
      runTeiki(['depot', 'fleet', '--mqtt', url(), '--ca', ca, '--tls-cert', cert, '--tls-key', key]);

    const wrongCa = await fleet(other.ca.cert, tls.depot.cert, tls.depot.key);
    expect(wrongCa.code).toBe(2);
    expect(wrongCa.stderr).toMatch(
      /^teiki: cannot connect to .*: .*certificate.*; .*not signed by the CA in --ca: set --ca/,
    );
    const foreign = await fleet(tls.ca.cert, other.depot.cert, other.depot.key);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/unknown ca; the broker does not know the CA that issued --tls-cert/);
    const mismatch = await fleet(tls.ca.cert, tls.depot.cert, tls.buses[0]!.key);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/--tls-key is not the private key of the certificate in --tls-cert/);
    for (const r of [wrongCa, foreign, mismatch])
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  }, 60_000);

  it("teiki run: a key that is not the certificate's is a config error naming mqtt.key", async () => {
    const config = join(base, 'bus-config.json');
    const bus = tls.buses[0]!;
    writeFileSync(
      config,
      JSON.stringify({
        vehicle: { id: 'bus-101', operator: 'matsue-city' },
        data_dir: join(base, 'bus-data'),
        ...CONSOLE_CONFIG,
        trust: { depot_public_keys: [TRUSTED_KEY] },
        mqtt: { url: url(), ca: tls.ca.cert, cert: bus.cert, key: tls.depot.key },
      }),
    );
    const r = await runTeiki(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^teiki: bad config: .*mqtt\.key is not the private key of the certificate in mqtt\.cert/m,
    );
  });

  it('teiki run: an untrusted broker is logged with a hint naming mqtt.ca, and the bus keeps running', async () => {
    const config = join(base, 'bus-config-2.json');
    const bus = tls.buses[0]!;
    writeFileSync(
      config,
      JSON.stringify({
        vehicle: { id: 'bus-101', operator: 'matsue-city' },
        data_dir: join(base, 'bus-data-2'),
        ...CONSOLE_CONFIG,
        trust: { depot_public_keys: [TRUSTED_KEY] },
        mqtt: { url: url(), ca: other.ca.cert, cert: bus.cert, key: bus.key },
      }),
    );
    const run = new TeikiProcess(['run', '--config', config]);
    try {
      const line = await run.waitFor((l) => l.msg === 'mqtt error');
      expect(line).toMatchObject({
        level: 'warn',
        hint: expect.stringMatching(/not signed by the CA in mqtt\.ca: set mqtt\.ca to the teiki CA/),
      });
      await run.waitFor((l) => l.msg === 'ready');
    } finally {
      run.kill('SIGKILL');
    }
  });
});
