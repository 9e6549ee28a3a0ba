/**
 * Fetching the chunks of one accepted snapshot manifest, a few at a time as the apply needs them.
 * Each chunk is one retained message (`teiki/v1/list/chunk/<version>/<index>`): subscribing to
 * its exact topic brings it, and it is checked on arrival (ChunkCollector: size and sha256 before
 * anything is decompressed), then unsubscribed. The apply reads chunk i through `chunk(i)`, which
 * also asks for the next `chunkWindow` ones: the transfer keeps just ahead of the staging instead
 * of arriving as one burst of 20 MB that the main thread would have to decrypt in one go (taps
 * waited 20-50 ms behind such a burst, measured). When requested chunks do not come for
 * `chunkTimeoutMs`, they are asked for again (a refused one may come whole this time); after
 * `chunkRetries` such rounds the snapshot is given up. Owned by ListSyncCore.
 */
import { ChunkCollector } from '../chunk-collector.js';
import type { Manifest } from '../schemas/manifest.js';
import { topics } from '../topics.js';
import { type ListSyncSettings, SnapshotCanceled, type SyncEffects, type Timers } from './list-sync-types.js';

export interface DownloadEvents {
  /** Every chunk is in and verified (the apply may still be staging). */
  complete(download: SnapshotDownload): void;
  /** Requested chunks stayed missing after every retry. */
  givenUp(download: SnapshotDownload, missing: number): void;
}

type Waiter = { resolve: (bytes: Uint8Array) => void; reject: (err: Error) => void };

export class SnapshotDownload {
  readonly manifest: Manifest;
  readonly collector: ChunkCollector;
  readonly #fx: SyncEffects;
  readonly #timers: Timers;
  readonly #s: ListSyncSettings;
  readonly #events: DownloadEvents;
  /** Asked for and not in yet. */
  readonly #outstanding = new Set<number>();
  /** Every index below this has been asked for. */
  #requestedUpTo = 0;
  readonly #waiting = new Map<number, Waiter>();
  #retries = 0;
  #timer: unknown = null;
  #active = true;

  /** Throws SyncRejection (too_large) for a snapshot above the bounds. */
  constructor(
    manifest: Manifest,
    deps: { fx: SyncEffects; timers: Timers; settings: ListSyncSettings; events: DownloadEvents },
  ) {
    this.collector = new ChunkCollector(manifest);
    this.manifest = manifest;
    this.#fx = deps.fx;
    this.#timers = deps.timers;
    this.#s = deps.settings;
    this.#events = deps.events;
  }

  get version(): number {
    return this.manifest.version;
  }

  get complete(): boolean {
    return this.collector.isComplete();
  }

  start(): void {
    if (this.collector.isComplete())
      this.#finish(); // a list with no entries has no chunks
    else this.#requestUpTo(0);
  }

  /** Asks again for the chunks still outstanding (after a reconnect, or a timeout). */
  resubscribe(): void {
    if (this.#active && this.#outstanding.size > 0) this.#fx.subscribe(this.#topicsOf(this.#outstanding));
  }

  /** Takes one chunk; throws SyncRejection (hash_mismatch, malformed) for a bad one. */
  accept(index: number, bytes: Uint8Array): void {
    if (!this.#active) return;
    if (this.collector.accept(index, bytes) === 'duplicate') return;
    this.#retries = 0;
    if (this.#outstanding.delete(index)) this.#fx.unsubscribe([topics.chunk(this.version, index)]);
    const waiter = this.#waiting.get(index);
    if (waiter) {
      this.#waiting.delete(index);
      waiter.resolve(this.collector.chunk(index)!);
    }
    if (this.collector.isComplete()) this.#finish();
    else this.#arm();
  }

  /** A ChunkSource: the verified bytes of chunk `index`, once they are in. */
  readonly chunk = (index: number): Uint8Array | Promise<Uint8Array> => {
    this.#requestUpTo(index);
    const ready = this.collector.chunk(index);
    if (ready) return ready;
    if (!this.#active)
      return Promise.reject(new SnapshotCanceled(`snapshot ${this.version}: download ended`));
    return new Promise((resolve, reject) => this.#waiting.set(index, { resolve, reject }));
  };

  /** Stops the timer and unsubscribes; an apply waiting for a chunk is canceled. Idempotent. */
  drop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#disarm();
    for (const w of this.#waiting.values())
      w.reject(new SnapshotCanceled(`snapshot ${this.version}: download ended`));
    this.#waiting.clear();
    if (this.#outstanding.size > 0) this.#fx.unsubscribe(this.#topicsOf(this.#outstanding));
    this.#outstanding.clear();
  }

  /** Asks for every chunk up to `index` plus the window ahead of it that is not in yet. */
  #requestUpTo(index: number): void {
    if (!this.#active) return;
    const end = Math.min(this.manifest.chunk_count, index + 1 + Math.max(0, this.#s.chunkWindow));
    const fresh: number[] = [];
    for (let i = this.#requestedUpTo; i < end; i++) {
      if (this.collector.chunk(i)) continue;
      this.#outstanding.add(i);
      fresh.push(i);
    }
    this.#requestedUpTo = Math.max(this.#requestedUpTo, end);
    if (fresh.length === 0) return;
    this.#fx.subscribe(this.#topicsOf(fresh));
    this.#arm();
  }

  #topicsOf(indexes: Iterable<number>): string[] {
    return [...indexes].map((i) => topics.chunk(this.version, i));
  }

  #finish(): void {
    this.#active = false;
    this.#disarm();
    this.#events.complete(this);
  }

  /** The timer runs only while requested chunks are outstanding. */
  #arm(): void {
    this.#disarm();
    if (this.#outstanding.size === 0) return;
    this.#timer = this.#timers.set(() => this.#timeout(), this.#s.chunkTimeoutMs);
  }

  #disarm(): void {
    if (this.#timer !== null) this.#timers.clear(this.#timer);
    this.#timer = null;
  }

  #timeout(): void {
    this.#timer = null;
    if (!this.#active || this.#outstanding.size === 0) return;
    const missing = this.#outstanding.size;
    if (this.#retries < this.#s.chunkRetries) {
      this.#retries++;
      this.#fx.log.warn(
        { version: this.version, missing, attempt: this.#retries },
        'snapshot chunks missing; asking again',
      );
      // Subscribing again to a topic makes the broker send its retained message again.
      this.resubscribe();
      this.#arm();
      return;
    }
    this.drop();
    this.#events.givenUp(this, missing);
  }
}
