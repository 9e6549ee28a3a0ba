/**
 * A snapshot of the depot's published list, packed in a worker thread (snapshot-pack-worker.ts)
 * and handed chunk by chunk to `sink` (the MQTT publisher) in index order; resolves with the
 * manifest. The main thread stays free to publish while the next chunks are packed.
 */
import { Worker } from 'node:worker_threads';
import { workerScriptUrl } from '../bus/list-sync-worker-url.js';
import type { Manifest } from '../schemas/manifest.js';
import type { PackOptions } from '../snapshot.js';

export interface PackWorkerInit {
  readonly listPath: string;
  readonly options: PackOptions;
  /** Tombstones valid until before this day (YYYY-MM-DD, Tokyo) are left out. */
  readonly today: string;
  /** Chunks handed over and not yet acknowledged, at most. */
  readonly window: number;
}

export type PackWorkerMessage =
  | { readonly type: 'chunk'; readonly index: number; readonly chunk: Uint8Array }
  | { readonly type: 'manifest'; readonly manifest: Manifest }
  | { readonly type: 'error'; readonly message: string };

export function packSnapshotInWorker(
  init: Omit<PackWorkerInit, 'window'>,
  sink: (index: number, chunk: Buffer) => Promise<void>,
): Promise<Manifest> {
  const worker = new Worker(workerScriptUrl('./snapshot-pack-worker.js', import.meta.url), {
    workerData: { ...init, window: 16 } satisfies PackWorkerInit,
    // Room for a million rows' worth of short-lived objects between scavenges (measured).
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
  });
  return new Promise<Manifest>((resolve, reject) => {
    let result: Manifest | null = null;
    let failure: Error | null = null;
    // Chunks are handed to the sink one after another, in the order they were packed.
    let queue: Promise<void> = Promise.resolve();
    const fail = (err: Error) => {
      failure ??= err;
      void worker.terminate();
    };
    worker.on('message', (m: PackWorkerMessage) => {
      if (m.type === 'chunk') {
        if (failure) return;
        queue = queue
          .then(() => sink(m.index, Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength)))
          .then(
            () => worker.postMessage({ type: 'ack', index: m.index }),
            (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
          );
      } else if (m.type === 'manifest') result = m.manifest;
      else fail(new Error(m.message));
    });
    worker.on('error', (err) => fail(err));
    worker.on('exit', () => {
      void queue.then(() => {
        if (failure) reject(failure);
        else if (result) resolve(result);
        else reject(new Error('the snapshot packer ended without a manifest'));
      });
    });
  });
}
