/**
 * The bus side of sync in a process of its own, so tests can SIGKILL it mid-upload (the lead wires
 * the same classes into `teiki run`). Usage: node dist/test/integration/records-bus-child.js CONFIG
 * Logs JSON lines on stdout; SIGTERM publishes the "offline" status and exits 0.
 */
import { join } from 'node:path';
import { loadConfig } from '../../device/config/load.js';
import { createLogger } from '../../device/log/logger.js';
import { RecordStore } from '../../device/store/record-store.js';
import { connectBus } from '../../sync/bus/connect.js';
import { RecordUploader, uploaderSettings } from '../../sync/bus/record-uploader.js';
import { StatusPublisher } from '../../sync/bus/status-publisher.js';
import { updateSyncState } from '../../sync/bus/status-state.js';

const config = loadConfig(process.argv[2] ?? '');
const logger = createLogger('info');
const clock = { now: () => Date.now() };
const store = RecordStore.open(join(config.data_dir, 'records.sqlite'), config.vehicle.id);
const client = connectBus(config, logger);
const uploader = new RecordUploader({
  client,
  store,
  clock,
  logger,
  settings: uploaderSettings(config.sync),
});
const status = new StatusPublisher({
  client,
  vehicleId: config.vehicle.id,
  facts: () => ({
    list_version: 7,
    list_expires_at: null,
    list_applied_at: new Date(clock.now() - 3_600_000).toISOString(),
    network_version: 'gtfs-test',
    pending_records: store.pendingCount(),
  }),
  clock,
  logger,
  everyMs: config.sync.status_every_s * 1000,
});
client.on('connect', () => {
  updateSyncState(config.data_dir, { connected: true, last_connected_at: new Date().toISOString() });
  logger.info({ pending: store.pendingCount() }, 'child connected');
});
client.on('close', () => updateSyncState(config.data_dir, { connected: false }));
uploader.start();
status.start();

process.once('SIGTERM', () => {
  void (async () => {
    await status.stop({ offline: true });
    uploader.stop();
    await client.endAsync();
    updateSyncState(config.data_dir, { connected: false });
    logger.info(uploader.stats(), 'child stopped');
    store.close();
    logger.flush();
    setTimeout(() => process.exit(0), 50);
  })();
});
