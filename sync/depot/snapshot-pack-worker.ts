/**
 * Packing a snapshot of the depot's published list in a worker thread (snapshot-pack.ts starts
 * it): reading a million rows, JSON and hashing happen here, the MQTT publishing on the main
 * thread, and this thread gets a young generation large enough for the per-row garbage (a
 * million-pass pack measured 6.3 s instead of 7.1 s on the main thread). Compressed chunks go to
 * the main thread as they are made, at most `window` unacknowledged.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ListStore } from '../../device/store/list-store.js';
import type { SnapshotEntry } from '../schemas/entries.js';
import { packSnapshot } from '../snapshot.js';
import type { PackWorkerInit, PackWorkerMessage } from './snapshot-pack.js';

const port = parentPort;
if (!port)
  throw new Error('snapshot-pack-worker.js runs only as a worker thread (see sync/depot/snapshot-pack.ts)');
const init = workerData as PackWorkerInit;
const post = (m: PackWorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

let acked = -1;
let wake: (() => void) | null = null;
port.on('message', (m: { type: 'ack'; index: number }) => {
  acked = Math.max(acked, m.index);
  wake?.();
});

const store = ListStore.open(init.listPath, { cacheKiB: 16_384 });

/** Every pass, and the tombstones that still matter (not yet past their date). */
function* entries(): Generator<SnapshotEntry<object>> {
  for (const pass of store.passesByPage()) yield { pass };
  for (const change of store.allCardChanges()) {
    if (change.valid_until >= init.today) yield { card_change: change };
  }
}

try {
  const manifest = await packSnapshot(entries(), init.options, async (index, chunk) => {
    // A copy that owns its memory, so it can be transferred rather than cloned.
    const own = new Uint8Array(chunk.byteLength);
    own.set(chunk);
    post({ type: 'chunk', index, chunk: own }, [own.buffer]);
    while (index - acked > init.window) await new Promise<void>((resolve) => (wake = resolve));
  });
  post({ type: 'manifest', manifest });
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
} finally {
  store.close();
  port.close();
}
