/**
 * The list-sync worker thread: verifies, judges and applies list messages (list-sync-core.ts) on
 * its own connection to the bus's list database, so that signature checks, a million-row snapshot
 * and its index build never hold the event loop the taps run on. SQLite's WAL lets the main
 * thread's connection read the old list until the commit swaps it in.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { ListStore } from '../../device/store/list-store.js';
import { pinKeys } from '../signing.js';
import { StoreListTarget } from './list-store-target.js';
import { ListSyncCore } from './list-sync-core.js';
import type { FromWorker, LogLevel, ToWorker, WorkerInit } from './list-sync-protocol.js';
import type { SyncLog } from './list-sync-types.js';
import { lowerThisThreadPriority } from './list-thread-priority.js';

const port = parentPort;
if (!port) throw new Error('list-sync-worker.js runs only as a worker thread (see sync/bus/list-sync.ts)');
const init = workerData as WorkerInit;
lowerThisThreadPriority();
const post = (m: FromWorker) => port.postMessage(m);

// The daemon's clock, carried by every message and run forward in between: applied_at stamps and
// expiry checks agree with the main thread's (possibly virtual) time.
let baseNow = init.now;
let basePerf = performance.now();
const setNow = (now: number) => {
  baseNow = now;
  basePerf = performance.now();
};
const clock = { now: () => baseNow + (performance.now() - basePerf) };

const line =
  (level: LogLevel) =>
  (fields: object, msg: string): void =>
    post({ type: 'log', level, fields, msg });
const log: SyncLog = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };

const store = ListStore.open(init.listPath, { clock, cacheKiB: init.cacheKiB });
const core = new ListSyncCore(
  // Chunks inflate here, at this thread's low priority, not on the pool the main thread shares.
  new StoreListTarget(store, { inflateOnThisThread: true }),
  {
    subscribe: (topics) => post({ type: 'subscribe', topics: [...topics] }),
    unsubscribe: (topics) => post({ type: 'unsubscribe', topics: [...topics] }),
    resync: (reason, have) => post({ type: 'resync', reason, have }),
    applied: (event) => post({ type: 'applied', event }),
    rejected: (event) => post({ type: 'rejected', event }),
    phase: (phase) => post({ type: 'phase', phase }),
    log,
  },
  { keys: pinKeys(init.pinnedKeys), settings: init.settings },
);

let stopping = false;
port.on('message', (m: ToWorker) => {
  if (stopping) return;
  switch (m.type) {
    case 'message':
      setNow(m.now);
      core.handle(m.topic, m.payload, m.retain, m.now);
      return;
    case 'connected':
      setNow(m.now);
      core.connected(m.now);
      return;
    case 'check':
      setNow(m.now);
      core.requestCheck(m.now);
      return;
    case 'stop':
      stopping = true;
      // An apply in progress is canceled between batches and rolled back before the store closes.
      void core.stop().finally(() => {
        store.close();
        post({ type: 'stopped' });
        port.close();
      });
      return;
  }
});

post({ type: 'ready', info: store.info() });
