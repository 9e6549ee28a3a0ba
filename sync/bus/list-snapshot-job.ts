/**
 * One accepted snapshot, from its manifest to its commit: the chunks are fetched a few at a time
 * (list-snapshot-download.ts) while the target stages or compares them, and the list changes only
 * at the commit after the last chunk and the hash over the whole. `run()` resolves with what
 * became of it; nothing of a canceled, given-up or refused snapshot reaches the list in force.
 */
import { performance } from 'node:perf_hooks';
import type { Manifest } from '../schemas/manifest.js';
import { SnapshotDownload } from './list-snapshot-download.js';
import {
  type ListSyncSettings,
  type ListTarget,
  SnapshotCanceled,
  type SnapshotResult,
  type SyncEffects,
  type Timers,
} from './list-sync-types.js';

export type JobOutcome =
  | { readonly kind: 'applied'; readonly result: SnapshotResult; readonly durationMs: number }
  | { readonly kind: 'canceled'; readonly why: string }
  | { readonly kind: 'given_up'; readonly missing: number }
  | { readonly kind: 'failed'; readonly error: unknown };

export interface JobDeps {
  readonly target: ListTarget;
  readonly fx: SyncEffects;
  readonly timers: Timers;
  readonly settings: ListSyncSettings;
  /** Epoch ms the manifest's expiry is judged at. */
  readonly now: number;
}

export class SnapshotJob {
  readonly manifest: Manifest;
  readonly download: SnapshotDownload;
  readonly #d: JobDeps;
  #canceled: string | null = null;
  #givenUp: number | null = null;

  /** Throws SyncRejection (too_large) for a snapshot above the bounds. */
  constructor(manifest: Manifest, deps: JobDeps) {
    this.manifest = manifest;
    this.#d = deps;
    this.download = new SnapshotDownload(manifest, {
      fx: deps.fx,
      timers: deps.timers,
      settings: deps.settings,
      events: {
        complete: () => {
          if (this.#canceled === null) deps.fx.phase('applying');
        },
        givenUp: (_dl, missing) => {
          this.#givenUp = missing;
          this.cancel('chunks missing');
        },
      },
    });
  }

  get version(): number {
    return this.manifest.version;
  }

  /** Stops fetching; an apply in progress throws at its next batch and rolls back. */
  cancel(why: string): void {
    this.#canceled ??= why;
    this.download.drop();
  }

  async run(): Promise<JobOutcome> {
    const started = performance.now();
    this.#d.fx.phase('downloading');
    const applying = this.#d.target.applySnapshot(this.manifest, this.download.chunk, {
      now: this.#d.now,
      canceled: () => this.#canceled !== null,
      batchSize: this.#d.settings.snapshotBatch,
    });
    this.download.start();
    try {
      const result = await applying;
      return { kind: 'applied', result, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      if (this.#givenUp !== null) return { kind: 'given_up', missing: this.#givenUp };
      if (error instanceof SnapshotCanceled)
        return { kind: 'canceled', why: this.#canceled ?? error.message };
      return { kind: 'failed', error };
    } finally {
      this.download.drop();
    }
  }
}
