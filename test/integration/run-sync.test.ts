/**
 * `teiki run` with sync (issue 4), all real processes: a TLS mosquitto with client certificates
 * and the sync ACL, `teiki depot publish` and `teiki depot collect`, and the daemon deciding taps
 * typed on its console. The bus starts with no list at all: everything it knows comes signed from
 * the depot; every record it makes reaches the depot and is acknowledged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseStatus } from '../../sync/messages.js';
import { topics } from '../../sync/topics.js';
import { ROOT, runTeiki, TeikiProcess } from '../helpers/cli.js';
import { connectMqtt, type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { DESIGN_IDM, makeWorkdir, SAMPLE_GTFS, type Workdir } from '../helpers/workdir.js';
import { depotTlsArgs } from './records-fixture.js';

const HEADER = 'pass_id,card_number,idm,kind,issuer,operators,valid_from,valid_until,fare_limit,area,status';
const NEW_IDM = '0114b3a1c2d3e777';
const OTHER_IDM = '012e4cd8a9b70011';
/** JST calendar day `offset` days from today (the daemon decides on the real clock). */
const day = (offset: number) =>
  new Date(Date.now() + 9 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);
const row = (id: string, idm: string, status = 'active') =>
  `${id},JW10000000000${id.slice(-4)},${idm},commuter,matsue-city,matsue-city,${day(-30)},${day(30)},240,,${status}`;

let broker: Mosquitto;
let w: Workdir;
let keyFile: string;
let bus: TeikiProcess | undefined;
let depot: TeikiProcess | undefined;

function exportFile(name: string, rows: string[]): string {
  const file = join(w.dir, name);
  writeFileSync(file, `${[HEADER, ...rows].join('\n')}\n`);
  return file;
}

async function publish(file: string): Promise<{ version: number; kind: string }> {
  const d = broker.certs!.depot;
  const r = await runTeiki([
    'depot',
    'publish',
    '--passes',
    file,
    '--network',
    SAMPLE_GTFS,
    '--signing-key',
    keyFile,
    '--mqtt',
    broker.url,
    '--state',
    join(w.dir, 'depot-state'),
    '--ca',
    d.ca,
    '--tls-cert',
    d.cert,
    '--tls-key',
    d.key,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

let taps = 0;
async function tap(idm: string, reader = 'boarding'): Promise<Record<string, unknown>> {
  const n = ++taps;
  bus!.send(`tap ${idm} ${reader}\n`);
  await vi.waitFor(() => expect(bus!.lines.filter((l) => l.msg === 'tap').length).toBe(n), {
    timeout: 10_000,
  });
  return bus!.lines.filter((l) => l.msg === 'tap')[n - 1]!;
}

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
  w = makeWorkdir();
  const keys = await runTeiki(['depot', 'keys', 'generate', '--out', join(w.dir, 'keys')]);
  expect(keys.code, keys.stderr).toBe(0);
  const key = JSON.parse(keys.stdout) as { private_key: string; public_key: string };
  keyFile = key.private_key;
  const id = broker.certs!.bus('bus-101');
  writeFileSync(
    w.config,
    JSON.stringify({
      vehicle: { id: 'bus-101', operator: 'matsue-city' },
      data_dir: join(w.dir, 'data'),
      readers: [
        { driver: 'sim', role: 'boarding' },
        { driver: 'sim', role: 'alighting' },
      ],
      stop_source: { driver: 'sim' },
      mqtt: { url: broker.url, ca: id.ca, cert: id.cert, key: id.key, reconnect_min_ms: 100 },
      sync: { upload_every_s: 1 },
      // The test taps one card on one reader within seconds, for different reasons each time.
      rules: { duplicate_window_s: 0.2 },
      trust: { depot_public_keys: [readFileSync(key.public_key, 'utf8')] },
    }),
  );
  depot = new TeikiProcess(['depot', 'collect', ...depotTlsArgs(broker), '--state', join(w.dir, 'collect')]);
  await depot.waitFor((l) => l.msg === 'collecting');
}, 60_000);

afterAll(async () => {
  bus?.kill('SIGKILL');
  depot?.kill('SIGKILL');
  await broker?.dispose();
  w?.cleanup();
});

describe('teiki run with a broker', () => {
  it('applies the signed list the depot publishes and decides taps by it', async () => {
    bus = new TeikiProcess(['run', '--config', w.config]);
    const ready = await bus.waitFor((l) => l.msg === 'ready');
    expect(ready).toMatchObject({ passes: 0, list_version: null });
    await bus.waitFor((l) => l.msg === 'mqtt connected');
    bus.send('stop 81 matsue-sta\n');

    // Before any list: the card is unknown to the bus.
    expect(await tap(DESIGN_IDM)).toMatchObject({ verdict: 'reject', reason: 'no_pass' });

    const first = await publish(
      exportFile('v1.csv', [row('MC-0001', DESIGN_IDM), row('MC-0002', OTHER_IDM)]),
    );
    expect(first).toMatchObject({ version: 1, kind: 'snapshot' });
    await bus.waitFor((l) => l.msg === 'list applied' && l.version === 1);
    expect(await tap(DESIGN_IDM, 'alighting')).toMatchObject({ reason: 'no_tap_on' });
    expect(await tap(OTHER_IDM)).toMatchObject({ verdict: 'accept', reason: 'ok', pass_id: 'MC-0002' });
  });

  it('takes a refund and a change of card published while it runs', async () => {
    const second = await publish(
      exportFile('v2.csv', [row('MC-0001', NEW_IDM), row('MC-0002', OTHER_IDM, 'refunded')]),
    );
    expect(second).toMatchObject({ version: 2, kind: 'delta' });
    await bus!.waitFor((l) => l.msg === 'list applied' && l.version === 2);
    expect(await tap(DESIGN_IDM)).toMatchObject({ verdict: 'reject', reason: 'card_changed' });
    expect(await tap(NEW_IDM)).toMatchObject({ verdict: 'accept', reason: 'ok', pass_id: 'MC-0001' });
    expect(await tap(OTHER_IDM, 'alighting')).toMatchObject({ verdict: 'reject', reason: 'refunded' });
  });

  it('uploads every record to the depot and shows the sync state in teiki status', async () => {
    await vi.waitFor(
      async () => {
        const s = await runTeiki(['status', '--config', w.config, '--json']);
        expect(JSON.parse(s.stdout)).toMatchObject({
          software_version: expect.stringMatching(/^\d+\.\d+\.\d+/),
          pass_list: { version: 2 },
          sync: { connected: true },
          records: { pending: 0 },
        });
      },
      { timeout: 20_000, interval: 300 },
    );
    const retained = await connectMqtt(broker.url, {
      ...broker.tlsOptions(broker.certs!.depot),
      clientId: 'run-sync-status',
    });
    try {
      const got = new Promise<Buffer>((resolve) => retained.on('message', (_t, p) => resolve(p)));
      await retained.subscribeAsync(topics.status('bus-101'), { qos: 1 });
      // The status carries the package version the bus runs (issue 11), read from package.json.
      const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
      expect(parseStatus(await got)).toMatchObject({
        vehicle: 'bus-101',
        state: 'online',
        software_version: version,
      });
    } finally {
      await retained.endAsync(true);
    }

    bus!.kill('SIGTERM');
    expect((await bus!.exited).code).toBe(0);
    depot!.kill('SIGTERM');
    expect((await depot!.exited).code).toBe(0);
    const local = await runTeiki(['records', 'list', '--config', w.config, '--json']);
    const recorded = local.stdout.trim().split('\n');
    expect(recorded).toHaveLength(taps);
    expect(recorded.every((l) => JSON.parse(l).uploaded === true)).toBe(true);
    expect(depot!.lines.find((l) => l.msg === 'summary')).toMatchObject({ records_stored: taps });
    const exported = await runTeiki([
      'depot',
      'collect',
      '--state',
      join(w.dir, 'collect'),
      '--export',
      join(w.dir, 'out.jsonl'),
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = readFileSync(join(w.dir, 'out.jsonl'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(taps);
    expect(rows.map((r) => JSON.parse(r).seq)).toEqual(Array.from({ length: taps }, (_, i) => i + 1));
    // Each record's clock state came up with it: the first tap was before any list (nothing to
    // judge the clock by), every later one was judged against the list in force.
    expect(rows.map((r) => JSON.parse(r).clock)).toEqual(['unchecked', ...Array(taps - 1).fill('ok')]);
  });
});
