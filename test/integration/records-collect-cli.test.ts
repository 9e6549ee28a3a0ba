import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../device/log/logger.js';
import { RecordStore } from '../../device/store/record-store.js';
import { connectBus } from '../../sync/bus/connect.js';
import { RecordUploader } from '../../sync/bus/record-uploader.js';
import { EXPORT_COLUMNS } from '../../sync/depot/collector-export.js';
import { endQuietly } from '../../sync/depot/collector-mqtt.js';
import { runTeiki, TeikiProcess } from '../helpers/cli.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { busConfig, depotTlsArgs, IDMS, seedRecords } from './records-fixture.js';

/** `teiki depot collect` against a real mosquitto: collect, ack, survive its own absence, export. */
let broker: Mosquitto;
let dir: string;

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
  dir = mkdtempSync(join(tmpdir(), 'teiki-collect-'));
});
afterAll(async () => {
  await broker?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('teiki depot collect', () => {
  it('explains itself and refuses bad usage with one clear line', async () => {
    const help = await runTeiki(['depot', 'collect', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--export <file>/);
    expect(help.stdout).toMatch(/SIGTERM/);

    const state = join(dir, 'usage');
    const cases: Array<[string[], RegExp]> = [
      [['--state', state], /nothing to do/],
      [['--state', state, '--export', join(dir, 'x.txt')], /--format csv or --format jsonl/],
      [['--state', state, '--mqtt', broker.url, '--once', '--duration', '5'], /exclude each other/],
      [['--state', state, '--mqtt', 'not a url', '--once'], /is not a URL/],
      [
        ['--state', state, '--mqtt', broker.url, '--ca', join(dir, 'missing.crt'), '--once'],
        /cannot read --ca file/,
      ],
      [['--state', state, '--duration', 'soon', '--mqtt', broker.url], /positive number of seconds/],
    ];
    // Each case its own state directory: run side by side, they would otherwise race to create
    // the same depot database (seen as an exit 1 under load in CI).
    const results = await Promise.all(
      cases.map(([args], i) =>
        runTeiki(['depot', 'collect', ...args.map((a) => (a === state ? `${state}-${i}` : a))]),
      ),
    );
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n').length, r.stderr).toBeLessThanOrEqual(2);
    }
  });

  it('exits 1 when the broker cannot be reached (a retry may work; systemd restarts on it)', async () => {
    const r = await runTeiki([
      'depot',
      'collect',
      '--state',
      join(dir, 'unreachable'),
      '--mqtt',
      'mqtts://127.0.0.1:1',
      '--once',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^teiki: cannot connect to mqtts:\/\/127\.0\.0\.1:1/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('collects and acknowledges until SIGTERM, picks up what queued while it was down, and exports', async () => {
    const state = join(dir, 'depot');
    const config = busConfig(broker, 'bus-101', join(dir, 'bus'));
    const recordsPath = join(config.data_dir, 'records.sqlite');
    seedRecords(recordsPath, 'bus-101', 3000);
    const logger = silentLogger();
    const store = RecordStore.open(recordsPath, 'bus-101');
    const client = connectBus(config, logger);
    const uploader = new RecordUploader({
      client,
      store,
      clock: { now: () => Date.now() },
      logger,
      settings: { batchSize: 1000, window: 2, ackTimeoutMs: 60_000 },
    });
    try {
      const depot = new TeikiProcess(['depot', 'collect', ...depotTlsArgs(broker), '--state', state]);
      await depot.waitFor((l) => l.msg === 'collecting');
      uploader.start();
      await uploader.drain(20_000);
      depot.kill('SIGTERM');
      expect(await depot.exited).toEqual({ code: 0, signal: null });
      expect(depot.lines.find((l) => l.msg === 'summary')).toMatchObject({
        records_stored: 3000,
        records_total: 3000,
        vehicles: 1,
        rejected: 0,
      });

      // Batches sent while no collector runs wait in its persistent session.
      store.close();
      seedRecords(recordsPath, 'bus-101', 500);
      const reopened = RecordStore.open(recordsPath, 'bus-101');
      uploader.stop();
      const late = new RecordUploader({
        client,
        store: reopened,
        clock: { now: () => Date.now() },
        logger,
        settings: { batchSize: 1000, window: 2, ackTimeoutMs: 60_000 },
      });
      late.start();
      const drained = late.drain(20_000);
      const once = await runTeiki([
        'depot',
        'collect',
        ...depotTlsArgs(broker),
        '--state',
        state,
        '--once',
        '--idle',
        '1',
      ]);
      expect(once.code, once.stderr).toBe(0);
      await drained;
      late.stop();
      reopened.close();
      const summary = once.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === 'summary');
      expect(summary).toMatchObject({ records_stored: 500, records_total: 3500 });

      const csv = join(dir, 'records.csv');
      const exported = await runTeiki(['depot', 'collect', '--state', state, '--export', csv]);
      expect(exported.code, exported.stderr).toBe(0);
      const lines = readFileSync(csv, 'utf8').trim().split('\n');
      expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
      expect(lines).toHaveLength(3501);
      expect(lines[2]).toMatch(
        new RegExp(`^bus-101,2,[0-9a-f-]{36},2026-04-01T00:00:02\\.000Z,${IDMS[2]},alighting,81,`),
      );

      const jsonl = join(dir, 'records.out');
      const asJson = await runTeiki([
        'depot',
        'collect',
        '--state',
        state,
        '--export',
        jsonl,
        '--format',
        'jsonl',
      ]);
      expect(asJson.code, asJson.stderr).toBe(0);
      const rows = readFileSync(jsonl, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(rows).toHaveLength(3500);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 3500 }, (_, i) => i + 1));
      expect(rows[9]).toMatchObject({
        vehicle: 'bus-101',
        seq: 10,
        verdict: 'excess',
        fare: 240,
        excess: 60,
      });
      expect(Object.keys(rows[0])).toEqual([...EXPORT_COLUMNS]);
    } finally {
      uploader.stop();
      await endQuietly(client, 1000);
      store.close();
    }
  });
});
