/**
 * Issue 7, fault "broker down for hours with 50,000 records queued": a bus outbox of QUEUED
 * boarding records, a real mosquitto (TLS, client certificates, the sync ACL) that is down, and the
 * depot's collector (`teiki depot collect`, its own process, storing by vehicle and seq) waiting on it. Meanwhile the bus keeps taking taps through the real TapPipeline
 * on the same records database, and its uploader keeps failing to reach the broker.
 *
 * "Hours" are simulated, not waited: the bus's injected clock (pipeline, record store, uploader)
 * moves OUTAGE_H hours forward in steps during the outage while the MQTT client retries with short
 * settings (reconnect 100 ms → 1 s), so the outage costs a few seconds of wall time but the bus
 * sees many failed reconnects and a day's worth of clock. When the broker returns, every record —
 * the queued ones and the taps taken during the outage and the drain — reaches the depot exactly
 * once (seq 1..N, no gap, no copy; the broker is also SIGKILLed once mid-drain, so batches whose
 * acks were lost are sent again) and is marked uploaded on the bus, and every tap during the
 * outage and the drain was decided. The taps' times and the worst event-loop delay are printed
 * with the other figures but not asserted: a timing bound is the bench's (`npm run bench`), where
 * a miss is a figure, not a test that fails on a loaded machine (issue 17, point 5: this test
 * failed at 654 ms on a loaded CI run).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SETTINGS } from '../../device/config/rules-schema.js';
import { importNetworkDir } from '../../device/imports/network-import.js';
import { silentLogger } from '../../device/log/logger.js';
import { TapPipeline } from '../../device/pipeline/tap-pipeline.js';
import { ListStore } from '../../device/store/list-store.js';
import { RecordStore } from '../../device/store/record-store.js';
import { FakeClock } from '../../simulator/fakes/fake-clock.js';
import { FakeDisplay, FakeSignal } from '../../simulator/fakes/fake-display.js';
import { connectBus } from '../../sync/bus/connect.js';
import { RecordUploader } from '../../sync/bus/record-uploader.js';
import { endQuietly } from '../../sync/depot/collector-mqtt.js';
import { parsePassRow } from '../../sync/pass-rows.js';
import { runTeiki, TeikiProcess } from '../helpers/cli.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { busConfig, depotTlsArgs, seedRecords } from '../integration/records-fixture.js';
import { passRow } from '../unit/sync/fixtures.js';

const QUEUED = 50_000;
const OUTAGE_H = 6;
const OUTAGE_STEPS = 60;
const logger = silentLogger();

let broker: Mosquitto;
let dir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
  dir = mkdtempSync(join(tmpdir(), 'teiki-broker-down-'));
}, 60_000);
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await broker?.dispose();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('broker down for hours with 50,000 records queued', () => {
  it('takes taps unaffected, then uploads everything exactly once when the broker returns', async () => {
    const started = Date.now();
    // The depot's collector: the real `teiki depot collect`, in its own process.
    const depotState = join(dir, 'depot');
    const depot = new TeikiProcess(['depot', 'collect', ...depotTlsArgs(broker), '--state', depotState]);
    cleanups.push(() => depot.kill('SIGKILL'));
    await depot.waitFor((l) => l.msg === 'collecting', 20_000);

    // The bus: QUEUED records in its outbox, a list with passes (passRow 0..99), the pipeline.
    const config = busConfig(broker, 'bus-101', join(dir, 'bus'), {
      mqtt: { reconnect_min_ms: 100, reconnect_max_ms: 1000 },
    });
    const recordsPath = join(config.data_dir, 'records.sqlite');
    seedRecords(recordsPath, 'bus-101', QUEUED);
    const clock = new FakeClock('2026-04-15T07:00:00+09:00');
    const records = RecordStore.open(recordsPath, 'bus-101', { clock });
    const list = ListStore.open(join(config.data_dir, 'list.sqlite'), { clock });
    await importNetworkDir(list, join(import.meta.dirname, '../../simulator/data/gtfs-matsue'));
    list.replacePasses(
      Array.from({ length: 100 }, (_, i) => parsePassRow(passRow(i))),
      { version: 1, source: 'import' },
    );
    cleanups.push(
      () => records.close(),
      () => list.close(),
    );
    const display = new FakeDisplay();
    const pipeline = new TapPipeline({
      vehicle: config.vehicle,
      settings: { ...DEFAULT_RULE_SETTINGS, duplicate_window_s: 0 },
      clock,
      passes: list,
      network: list.network,
      records,
      display,
      signal: new FakeSignal(),
      currentStop: () => ({ route_id: '81', stop_id: 'matsue-sta', at: clock.now() }),
      logger,
    });
    const tapMs: number[] = [];
    let tapNo = 0;
    const tap = () => {
      // Boarding and alighting in turn, on the first 100 passes' cards.
      const i = tapNo++;
      const t0 = performance.now();
      const out = pipeline.tap({
        idm: String(passRow(Math.floor(i / 2) % 100).idm),
        reader: i % 2 ? 'alighting' : 'boarding',
      });
      tapMs.push(performance.now() - t0);
      expect(out.record).not.toBeNull();
    };

    // Broker down; the bus starts anyway and keeps trying.
    await broker.stop();
    const client: MqttClient = connectBus(config, logger);
    let reconnects = 0;
    client.on('reconnect', () => reconnects++);
    const uploader = new RecordUploader({
      client,
      store: records,
      clock,
      logger,
      // The production defaults (config sync.batch_size, upload_window, ack_timeout_s).
      settings: { batchSize: 2000, window: 4, ackTimeoutMs: 30_000 },
    });
    uploader.start();
    cleanups.push(
      () => endQuietly(client, 1000),
      () => uploader.stop(),
    );
    for (let step = 0; step < OUTAGE_STEPS; step++) {
      clock.advance((OUTAGE_H * 3_600_000) / OUTAGE_STEPS);
      for (let k = 0; k < 3; k++) tap();
      uploader.uploadNow();
      await sleep(100);
    }
    const tapsDuringOutage = tapNo;
    expect(depot.child.exitCode).toBeNull();
    expect(client.connected).toBe(false);
    expect(records.pendingCount()).toBe(QUEUED + tapsDuringOutage);
    expect(uploader.stats().acked_records).toBe(0);
    const outageReconnects = reconnects;

    // The broker returns: the outbox drains while taps go on.
    const back = Date.now();
    await broker.restart();
    // A tap waits behind whatever holds the event loop (batch reads, acks): measure that too.
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    let draining = true;
    const drained = uploader.drain(120_000).finally(() => {
      draining = false;
    });
    let bounced = false;
    while (draining) {
      // Once, mid-drain, the broker dies again (SIGKILL) and comes back: acks in flight are lost,
      // their batches are sent again, and the depot must still store each record once.
      if (!bounced && uploader.stats().acked_records >= QUEUED / 4) {
        bounced = true;
        await broker.restart({ kill: true });
      }
      tap();
      uploader.uploadNow();
      clock.advance(1000);
      await sleep(20);
    }
    expect(bounced).toBe(true);
    await drained.catch((err) => {
      throw new Error(
        `${err.message}\nuploader: ${JSON.stringify(uploader.stats())}\ndepot:\n${depot.lines
          .slice(-15)
          .map((l) => JSON.stringify(l))
          .join('\n')}\n${depot.stderr}`,
      );
    });
    loopDelay.disable();
    const loopWorstMs = loopDelay.max / 1e6;
    const drainSeconds = (Date.now() - back) / 1000;
    const total = QUEUED + tapNo;

    // Exactly once at the depot: seq 1..total, no gap, no copy; nothing pending on the bus.
    depot.kill('SIGTERM');
    expect((await depot.exited).code).toBe(0);
    const summary = depot.lines.find((l) => l.msg === 'summary');
    expect(summary).toMatchObject({ records_total: total, rejected: 0, seq_clashes: 0 });
    const out = join(dir, 'depot.jsonl');
    const exported = await runTeiki([
      'depot',
      'collect',
      '--state',
      depotState,
      '--export',
      out,
      '--format',
      'jsonl',
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const seqs = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { vehicle: string; seq: number })
      .filter((r) => r.vehicle === 'bus-101')
      .map((r) => r.seq);
    expect(seqs.length).toBe(total);
    expect(new Set(seqs).size).toBe(total);
    expect(Math.min(...seqs)).toBe(1);
    expect(Math.max(...seqs)).toBe(total);
    expect(records.pendingCount()).toBe(0);
    expect(display.screens.length).toBe(tapNo);

    const sorted = [...tapMs].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    const worst = sorted.at(-1) ?? 0;
    console.log(
      JSON.stringify({
        fault: 'broker-down',
        queued: QUEUED,
        simulated_outage_h: OUTAGE_H,
        reconnects_during_outage: outageReconnects,
        taps_during_outage: tapsDuringOutage,
        taps_during_drain: tapNo - tapsDuringOutage,
        uploaded_exactly_once: total,
        resent_batches: uploader.stats().resent_batches,
        depot_duplicates_ignored: summary?.duplicates,
        drain_seconds: drainSeconds,
        tap_p99_ms: Math.round(p99 * 100) / 100,
        tap_worst_ms: Math.round(worst * 100) / 100,
        event_loop_delay_worst_ms: Math.round(loopWorstMs),
        seconds: (Date.now() - started) / 1000,
      }),
    );
    expect(outageReconnects).toBeGreaterThanOrEqual(3);
  }, 180_000);
});
