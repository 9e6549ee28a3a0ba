/**
 * The depot's record collector in a process of its own (what `teiki depot collect` runs:
 * connectDepot with reconnects, Collector, CollectorStore), for the broker-down test.
 * Usage: node dist/test/reliability/depot-child.js STATE_DIR URL CA CERT KEY
 *
 * It holds a ref'd interval while collecting. `teiki depot collect` itself does not, and exits
 * with code 13 (unsettled top-level await) when the broker goes away: its only live handle is
 * the reconnect timer, which sync/bus/connect.ts keepReconnecting() unrefs (found by
 * broker-down.test.ts; reported to the lead, see test/RELIABILITY.md).
 */
import { createLogger } from '../../device/log/logger.js';
import { Collector } from '../../sync/depot/collector.js';
import { connectDepot, endQuietly } from '../../sync/depot/collector-mqtt.js';
import { CollectorStore } from '../../sync/depot/collector-store.js';

const [state, url, ca, cert, key] = process.argv.slice(2);
if (!state || !url || !ca || !cert || !key) throw new Error('usage: depot-child.js STATE URL CA CERT KEY');
const logger = createLogger('info');
const store = CollectorStore.open(state);
const client = await connectDepot(
  { url, ca, cert, key, clientId: 'teiki-depot-reliability', clean: false },
  logger,
  true,
);
const collector = new Collector({ client, store, clock: { now: () => Date.now() }, logger });
await collector.start();
const keepAlive = setInterval(() => {}, 60_000);
logger.info('collecting');
process.once('SIGTERM', () => {
  void (async () => {
    clearInterval(keepAlive);
    collector.stop();
    await endQuietly(client, 1000);
    logger.info({ ...collector.stats(), records_total: store.count() }, 'summary');
    store.close();
    logger.flush();
    setTimeout(() => process.exit(0), 50);
  })();
});
