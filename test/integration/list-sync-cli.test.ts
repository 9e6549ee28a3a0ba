import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDelta } from '../../sync/messages.js';
import { pinKeys } from '../../sync/signing.js';
import { topics } from '../../sync/topics.js';
import { runTeiki } from '../helpers/cli.js';
import { connectMqtt, type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { csvRow, HEADER, idmOf } from '../unit/sync/depot-fixtures.js';
import { SAMPLE_GTFS, startBus, type TestBus, tempDir } from './list-sync-harness.js';

/**
 * `teiki depot keys generate` and `teiki depot publish` as real processes, against the TLS broker
 * with the depot's client certificate, feeding a running bus.
 */
const tmp = tempDir('teiki-list-cli-');
let broker: Mosquitto;
let bus: TestBus;
let key: { key_id: string; private_key: string; public_key: string };

const exportFile = (name: string, count: number, edit: (i: number) => string = (i) => csvRow(i)) => {
  const file = join(tmp.dir, name);
  writeFileSync(file, `${[HEADER, ...Array.from({ length: count }, (_, i) => edit(i))].join('\n')}\n`);
  return file;
};

function publish(passes: string, ...extra: string[]) {
  const d = broker.certs!.depot;
  return runTeiki([
    'depot',
    'publish',
    '--passes',
    passes,
    '--network',
    SAMPLE_GTFS,
    '--signing-key',
    key.private_key,
    '--mqtt',
    broker.url,
    '--state',
    join(tmp.dir, 'depot-state'),
    '--ca',
    d.ca,
    '--tls-cert',
    d.cert,
    '--tls-key',
    d.key,
    ...extra,
  ]);
}

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
  const r = await runTeiki(['depot', 'keys', 'generate', '--out', join(tmp.dir, 'keys')]);
  expect(r.code, r.stderr).toBe(0);
  key = JSON.parse(r.stdout);
  bus = await startBus(broker, {
    vehicle: 'bus-101',
    dir: tmp.dir,
    keys: [readFileSync(key.public_key, 'utf8')],
  });
});

afterAll(async () => {
  await bus?.close();
  await broker?.dispose();
  tmp.cleanup();
});

describe('teiki depot keys and publish', () => {
  it('generates an Ed25519 pair named by key id, the private key readable by its owner only', async () => {
    expect(key.private_key).toMatch(new RegExp(`depot-${key.key_id}\\.key$`));
    expect(statSync(key.private_key).mode & 0o777).toBe(0o600);
    expect(pinKeys([readFileSync(key.public_key, 'utf8')])[0]?.keyId).toBe(key.key_id);
    const again = await runTeiki(['depot', 'keys', 'generate', '--out', join(tmp.dir, 'keys')]);
    expect(JSON.parse(again.stdout).key_id).not.toBe(key.key_id);
  });

  it('publishes an export that a running bus applies, then a delta', async () => {
    const first = await publish(exportFile('a.csv', 1_200));
    expect(first.code, first.stderr).toBe(0);
    const s1 = JSON.parse(first.stdout);
    expect(s1).toMatchObject({ version: 1, kind: 'snapshot', passes: { total: 1_200, active: 1_200 } });
    await bus.waitVersion(1);
    expect(bus.tap(idmOf(7))).toMatchObject({ verdict: 'accept', pass_id: 'P7' });

    const second = await publish(
      exportFile('b.csv', 1_200, (i) => csvRow(i, i === 7 ? { status: 'refunded' } : {})),
    );
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ version: 2, kind: 'delta', delta: { upserts: 1 } });
    await bus.waitVersion(2);
    expect(bus.tap(idmOf(7))).toMatchObject({ verdict: 'reject', reason: 'refunded' });
  });

  it('refuses an export that drops most active passes unless --force', async () => {
    const cut = exportFile('cut.csv', 200);
    const refused = await publish(cut);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /teiki: refusing to publish: the export leaves 200 active passes of the 1199/,
    );
    expect(refused.stderr).toMatch(/--force/);

    const forced = await publish(cut, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/warning: .*published anyway \(--force\)/);
    const summary = JSON.parse(forced.stdout);
    expect(summary).toMatchObject({ version: 3, kind: 'delta', delta: { removals: 1_000 } });
    // The depot's own check is the one a person can override; a bus still runs its own
    // (sync/sanity.ts) and keeps its list rather than drop most passes at once.
    await vi.waitFor(() => expect(bus.sync.rejected().byCode.implausible).toBe(1));
    expect(bus.store.info()).toMatchObject({ version: 2, count: 1_200 });
    const reader = await connectMqtt(broker.url, {
      ...broker.tlsOptions(broker.certs!.depot),
      clientId: 'cli-reader',
    });
    try {
      const got = new Promise<Buffer>((resolve) => reader.on('message', (_t, p) => resolve(p)));
      await reader.subscribeAsync(topics.delta(3), { qos: 1 });
      const delta = openDelta(await got, pinKeys([readFileSync(key.public_key, 'utf8')])).payload;
      expect(delta.removals).toHaveLength(1_000);
    } finally {
      await reader.endAsync(true);
    }
  });

  it('explains bad input and a broker it cannot reach, and prints help', async () => {
    const help = await runTeiki(['depot', 'publish', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--passes <file>[\s\S]*--full[\s\S]*--force/);
    const longExpiry = await publish(exportFile('c.csv', 3), '--expires-in', '40');
    expect(longExpiry.code).toBe(2);
    expect(longExpiry.stderr).toMatch(/--expires-in must be at most 31 days/);
    const noBroker = await runTeiki([
      'depot',
      'publish',
      '--passes',
      exportFile('d.csv', 3),
      '--network',
      SAMPLE_GTFS,
      '--signing-key',
      key.private_key,
      '--mqtt',
      'mqtt://127.0.0.1:1',
      '--state',
      join(tmp.dir, 'other-state'),
    ]);
    expect(noBroker.code).toBe(1);
    expect(noBroker.stderr).toMatch(/teiki: cannot connect to mqtt:\/\/127\.0\.0\.1:1/);
    const badRow = await publish(exportFile('e.csv', 2, (i) => csvRow(i, i === 1 ? { idm: 'nope' } : {})));
    expect(badRow.code).toBe(2);
    expect(badRow.stderr).toMatch(/e\.csv:3: idm: must be 16 hex characters/);
    // The refusal is what to read: no progress line for the rows read before it.
    expect(badRow.stderr).not.toMatch(/rows read/);
  });
});
