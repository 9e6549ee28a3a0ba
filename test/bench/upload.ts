/**
 * `upload_records_per_s`: a bus outbox of `records` boarding records drained to a local mosquitto
 * (TLS, client certificates, the sync ACL) with the depot's collector storing and acknowledging
 * in the same process; the clock runs from the uploader's start to the last record marked
 * uploaded on the bus. Target (issue 4): ≥ 5,000 records/s on the 2-core bench machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../device/log/logger.js';
import { RecordStore } from '../../device/store/record-store.js';
import { connectBus } from '../../sync/bus/connect.js';
import { RecordUploader, uploaderSettings } from '../../sync/bus/record-uploader.js';
import { Collector } from '../../sync/depot/collector.js';
import { connectDepot, endQuietly } from '../../sync/depot/collector-mqtt.js';
import { CollectorStore } from '../../sync/depot/collector-store.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { busConfig, seedRecords } from '../integration/records-fixture.js';

const VEHICLE = 'bench-bus';

export interface UploadBench {
  readonly upload_records_per_s: number;
  readonly upload_records: number;
  readonly upload_ms: number;
  readonly upload_batch_size: number;
  readonly upload_window: number;
}

export async function benchUpload(records: number): Promise<UploadBench> {
  const broker = await startMosquitto({ tls: true, vehicles: [VEHICLE] });
  const dir = mkdtempSync(join(tmpdir(), 'teiki-bench-upload-'));
  const logger = silentLogger();
  const clock = { now: () => Date.now() };
  const config = busConfig(broker, VEHICLE, join(dir, 'bus'));
  const recordsPath = join(config.data_dir, 'records.sqlite');
  seedRecords(recordsPath, VEHICLE, records);
  const depotStore = CollectorStore.open(join(dir, 'depot'));
  const bus = RecordStore.open(recordsPath, VEHICLE);
  const d = broker.certs!.depot;
  const depot = await connectDepot(
    { url: broker.url, ca: d.ca, cert: d.cert, key: d.key, clientId: 'bench-depot', clean: true },
    logger,
    false,
  );
  const client = connectBus(config, logger);
  try {
    const collector = new Collector({ client: depot, store: depotStore, clock, logger });
    await collector.start();
    await new Promise<void>((resolve) =>
      client.connected ? resolve() : client.once('connect', () => resolve()),
    );
    const settings = uploaderSettings(config.sync);
    const uploader = new RecordUploader({ client, store: bus, clock, logger, settings });
    const started = performance.now();
    uploader.start();
    await uploader.drain(600_000);
    const ms = performance.now() - started;
    uploader.stop();
    collector.stop();
    const stored = depotStore.count();
    if (stored !== records) throw new Error(`depot stored ${stored} of ${records} records`);
    return {
      upload_records_per_s: Math.round((records / ms) * 1000),
      upload_records: records,
      upload_ms: Math.round(ms),
      upload_batch_size: settings.batchSize,
      upload_window: settings.window,
    };
  } finally {
    await endQuietly(client);
    await endQuietly(depot);
    bus.close();
    depotStore.close();
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
