import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../device/log/logger.js';
import { RecordStore } from '../../device/store/record-store.js';
import { Collector, type CollectorClient } from '../../sync/depot/collector.js';
import { connectDepot, endQuietly } from '../../sync/depot/collector-mqtt.js';
import { CollectorStore } from '../../sync/depot/collector-store.js';
import type { FleetRow } from '../../sync/depot/fleet.js';
import { ROOT, runTeiki } from '../helpers/cli.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { busConfig, depotTlsArgs, eventually, seedRecords } from './records-fixture.js';

/**
 * The bus's sync side in a real child process, SIGKILLed mid-upload while the depot holds records
 * whose acks were lost: after a restart every record is at the depot exactly once; the fleet view
 * and `teiki status` follow the bus going offline (last will), online, and offline again.
 */
const CHILD = join(ROOT, 'dist/test/integration/records-bus-child.js');
const TOTAL = 20_000;
const logger = silentLogger();

let broker: Mosquitto;
let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
  dir = mkdtempSync(join(tmpdir(), 'teiki-bus-kill-'));
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await broker?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function startChild(configPath: string) {
  const child = spawn(process.execPath, [CHILD, configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited, output: () => out };
}

async function fleet(): Promise<FleetRow[]> {
  const r = await runTeiki(['depot', 'fleet', ...depotTlsArgs(broker), '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as FleetRow[];
}

async function fleetRowWhen(test: (row: FleetRow) => boolean, what: string): Promise<FleetRow> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const row = (await fleet()).find((r) => r.vehicle === 'bus-101');
    if (row && test(row)) return row;
    if (Date.now() > deadline) throw new Error(`fleet never showed ${what}: ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function status(configPath: string) {
  const r = await runTeiki(['status', '--config', configPath, '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('a bus killed mid-upload', () => {
  it('loses no record and duplicates none; the fleet sees it offline, online, offline', async () => {
    const config = busConfig(broker, 'bus-101', join(dir, 'bus'), {
      sync: { batch_size: 500, upload_window: 2, ack_timeout_s: 2, status_every_s: 5 },
    });
    const configPath = join(dir, 'bus.json');
    writeFileSync(configPath, JSON.stringify(config));
    seedRecords(join(config.data_dir, 'records.sqlite'), 'bus-101', TOTAL);
    const busRecords = RecordStore.open(join(config.data_dir, 'records.sqlite'), 'bus-101');

    // The depot, with a switch that drops its acks: records stored but never confirmed.
    const d = broker.certs!.depot;
    const depotClient = await connectDepot(
      { url: broker.url, ca: d.ca, cert: d.cert, key: d.key, clientId: 'kill-depot', clean: false },
      logger,
      true,
    );
    let acking = true;
    const gated = {
      get connected() {
        return depotClient.connected;
      },
      publish: (...args: Parameters<CollectorClient['publish']>) =>
        acking ? depotClient.publish(...args) : depotClient,
      subscribe: depotClient.subscribe.bind(depotClient),
      on: depotClient.on.bind(depotClient),
      removeListener: depotClient.removeListener.bind(depotClient),
    } as CollectorClient;
    const store = CollectorStore.open(join(dir, 'depot'));
    const collector = new Collector({ client: gated, store, clock: { now: () => Date.now() }, logger });
    await collector.start();

    try {
      const first = startChild(configPath);
      await eventually(() => store.count() >= 2000, 'the first acknowledged batches');
      acking = false;
      const acked = store.count();
      // A window of two: two batches go out unanswered, then the bus waits for their acks.
      await eventually(() => store.count() >= acked + 1000, 'batches stored without an ack');
      const live = await status(configPath);
      expect(live.sync.connected).toBe(true);
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');

      // Stored at the depot but still pending on the bus: only the ack deletes.
      const stored = store.count();
      expect(stored).toBeLessThan(TOTAL);
      expect(busRecords.pendingCount()).toBeGreaterThan(TOTAL - stored);
      const dead = await fleetRowWhen((r) => r.state === 'offline', 'the last will');
      expect(dead).toMatchObject({ state: 'offline', last_seen: null, pending_records: null });
      const after = await status(configPath);
      expect(after.sync.connected).toBe(false); // the file says connected, but its writer is gone
      expect(after.records.pending).toBe(busRecords.pendingCount());

      acking = true;
      const second = startChild(configPath);
      const online = await fleetRowWhen((r) => r.state === 'online', 'the bus back online');
      expect(online).toMatchObject({ list_version: 7, network_version: 'gtfs-test', stale: false });
      expect(online.list_age_s).toBeGreaterThanOrEqual(3599);
      expect(typeof online.pending_records).toBe('number');
      await eventually(() => busRecords.pendingCount() === 0, 'the outbox drained', 30_000);

      second.child.kill('SIGTERM');
      expect(await second.exited, second.output()).toEqual({ code: 0, signal: null });
      const gone = await fleetRowWhen((r) => r.state === 'offline', 'the graceful offline status');
      expect(gone.last_seen).not.toBeNull();

      const seqs = [...store.all()].map((r) => r.seq);
      expect(seqs.length).toBe(TOTAL);
      expect(new Set(seqs).size).toBe(TOTAL);
      expect(seqs.every((s, i) => s === i + 1)).toBe(true);
      expect(collector.stats().duplicates).toBeGreaterThan(0); // the unacked batches came again
    } finally {
      collector.stop();
      await endQuietly(depotClient, 1000);
      store.close();
      busRecords.close();
    }
  });
});
