/**
 * The bus's pass-list sync (issue 4; sync/README.md "Lists"). Takes the daemon's MQTT client
 * (connected or still connecting), subscribes at QoS 1 to the manifest and delta topics on every
 * 'connect', and hands each list message to a worker thread (list-sync-worker.ts) that verifies it
 * against the pinned depot keys, judges it (no rollback, no replay, gaps asked for with a resync)
 * and applies it whole or not at all on its own SQLite connection. The main thread only moves
 * bytes across (see ownBytes): taps never wait for a list.
 *
 * Every refused message is logged by the worker and counted here by code (`rejected()`); the list
 * in force stays. `onApplied` tells the daemon to refresh its status line. A crashed worker is
 * started again after a capped delay (its transaction rolled back with it).
 */
import { Worker } from 'node:worker_threads';
import type { IPublishPacket, ISubscriptionMap, MqttClient } from 'mqtt';
import type { Logger } from '../../device/log/logger.js';
import type { ListInfo } from '../../device/store/types.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { encodeResync } from '../messages.js';
import type { SyncRejectionCode } from '../rejection.js';
import { pinKeys } from '../signing.js';
import { TOPIC_ROOT, topics } from '../topics.js';
import type { FromWorker, ToWorker, WorkerInit } from './list-sync-protocol.js';
import {
  DEFAULT_LIST_SYNC_SETTINGS,
  type ListApplied,
  type ListSyncSettings,
  type ResyncReason,
  type SyncPhase,
} from './list-sync-types.js';
import { defaultWorkerUrl } from './list-sync-worker-url.js';
import { lowerHelperThreadsPriority } from './list-thread-priority.js';

export type ListSyncClient = Pick<
  MqttClient,
  'connected' | 'on' | 'removeListener' | 'subscribe' | 'unsubscribe' | 'publish'
>;

export interface ListSyncOptions {
  readonly client: ListSyncClient;
  /** The bus's list.sqlite (WAL): the worker opens its own connection to it. */
  readonly listPath: string;
  readonly vehicle: string;
  /** config.trust.depot_public_keys: PEM or base64 SPKI; several during a key rotation. */
  readonly pinnedKeys: readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onApplied?: (event: ListApplied) => void;
  readonly settings?: Partial<ListSyncSettings>;
  /** The worker script; by default list-sync-worker.js next to this module. */
  readonly workerUrl?: URL;
  /** How long stop() lets the worker roll back and close before terminating it. */
  readonly stopTimeoutMs?: number;
  /** The worker connection's page cache (KiB). */
  readonly cacheKiB?: number;
}

export interface RejectedCounts {
  readonly total: number;
  readonly byCode: Partial<Record<SyncRejectionCode, number>>;
}

export interface ListSyncStats {
  readonly version: number | null;
  readonly source: ListInfo['source'];
  readonly expires_at: string | null;
  readonly last_applied_at: string | null;
  readonly last_applied_kind: 'delta' | 'snapshot' | null;
  readonly phase: SyncPhase | 'starting';
  readonly rejected: RejectedCounts;
  readonly resyncs_asked: number;
}

const LIST_PREFIX = `${TOPIC_ROOT}/list/`;

/**
 * Bytes the worker can own, moved rather than copied when possible. A payload that spans several
 * socket reads (every snapshot chunk: ~256 KiB against 16 KiB TLS records) is a buffer mqtt.js
 * assembled for this packet alone, which nothing reads after the 'message' listeners (a list
 * message is QoS 1; the other listeners look at their own topics only): its memory is handed to
 * the worker as it is. The main thread then allocates nothing per chunk, so a million-pass
 * snapshot no longer drives its garbage collector (measured: a major GC every second or so during
 * the transfer, each one a pause for the taps). A payload that is a slice of a bigger buffer (a
 * small message inside one socket read, which mqtt.js may still be parsing) is copied.
 */
function ownBytes(payload: Buffer): Uint8Array {
  const whole = payload.buffer;
  if (whole instanceof ArrayBuffer && payload.byteOffset === 0 && payload.byteLength === whole.byteLength) {
    return new Uint8Array(whole);
  }
  const copy = new Uint8Array(payload.byteLength);
  copy.set(payload);
  return copy;
}
const RESPAWN_MIN_MS = 1_000;
const RESPAWN_MAX_MS = 60_000;

export class ListSync {
  readonly #o: ListSyncOptions;
  readonly #log: Logger;
  readonly #settings: ListSyncSettings;
  #worker: Worker | null = null;
  #ready = false;
  #started = false;
  #stopping: Promise<void> | null = null;
  #respawnTimer: NodeJS.Timeout | null = null;
  #respawns = 0;
  #info: ListInfo | null = null;
  #lastApplied: ListApplied | null = null;
  #phase: SyncPhase | 'starting' = 'starting';
  #rejectedTotal = 0;
  readonly #byCode: Partial<Record<SyncRejectionCode, number>> = {};
  #resyncs = 0;

  constructor(options: ListSyncOptions) {
    if (options.pinnedKeys.length === 0) {
      throw new Error('trust.depot_public_keys is empty: the bus could not verify any pass list');
    }
    pinKeys(options.pinnedKeys); // a bad key stops start-up here, not in the worker
    this.#o = options;
    this.#log = options.logger.child({ component: 'list-sync' });
    this.#settings = { ...DEFAULT_LIST_SYNC_SETTINGS, ...options.settings };
  }

  /** Starts the worker (resolves once it has opened the list) and listens to the client. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#spawn();
    if (this.#stopping) return;
    this.#o.client.on('message', this.#onMessage);
    this.#o.client.on('connect', this.#onConnect);
    if (this.#o.client.connected) this.#onConnect();
  }

  /**
   * Idempotent. Stops listening (subscriptions stay in the persistent session, so the broker keeps
   * queueing deltas while the bus is off), cancels an apply in progress, which rolls back, and
   * waits for the worker to close its connection.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  stats(): ListSyncStats {
    const info = this.#info;
    return {
      version: info?.version ?? null,
      source: info?.source ?? null,
      expires_at: info?.expiresAt ?? null,
      last_applied_at: this.#lastApplied?.applied_at ?? null,
      last_applied_kind: this.#lastApplied?.kind ?? null,
      phase: this.#phase,
      rejected: this.rejected(),
      resyncs_asked: this.#resyncs,
    };
  }

  /**
   * The nightly full check (sync/bus/cron-jobs.ts): subscribe again, so the broker resends the
   * retained manifest and deltas, and compare the list in force with the retained snapshot of
   * its own version, repairing whatever differs (list-sync-core.ts requestCheck). A bus that is
   * behind catches up instead. False when offline.
   */
  recheck(): boolean {
    if (!this.#o.client.connected || !this.#ready) return false;
    this.#send({ type: 'check', now: this.#o.clock.now() });
    return true;
  }

  rejected(): RejectedCounts {
    return { total: this.#rejectedTotal, byCode: { ...this.#byCode } };
  }

  async #stop(): Promise<void> {
    this.#o.client.removeListener('message', this.#onMessage);
    this.#o.client.removeListener('connect', this.#onConnect);
    if (this.#respawnTimer) clearTimeout(this.#respawnTimer);
    this.#respawnTimer = null;
    const worker = this.#worker;
    this.#phase = 'stopped';
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // A worker still opening the list has nothing to roll back: end it at once.
    if (this.#ready) this.#send({ type: 'stop' });
    else void worker.terminate();
    const deadline = setTimeout(() => {
      this.#log.warn('list-sync worker did not stop in time; terminating it');
      void worker.terminate();
    }, this.#o.stopTimeoutMs ?? 5_000);
    await exited;
    clearTimeout(deadline);
  }

  #spawn(): Promise<void> {
    const init: WorkerInit = {
      listPath: this.#o.listPath,
      pinnedKeys: [...this.#o.pinnedKeys],
      settings: this.#settings,
      now: this.#o.clock.now(),
      cacheKiB: this.#o.cacheKiB ?? 16_384,
    };
    const worker = new Worker(this.#o.workerUrl ?? defaultWorkerUrl(), {
      workerData: init,
      // A young generation this size lets the per-row garbage of a snapshot die young in fewer,
      // cheaper scavenges (a million-pass apply measured ~20% faster than with 8 MB).
      resourceLimits: { maxYoungGenerationSizeMb: 32 },
    });
    this.#worker = worker;
    this.#ready = false;
    return new Promise((resolve, reject) => {
      let settled = false;
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready' && !settled) {
          settled = true;
          this.#ready = true;
          this.#respawns = 0;
          // The worker is up and with it every helper thread the process will have: keep them all
          // below the tap loop (list-thread-priority.ts).
          lowerHelperThreadsPriority();
          this.#info = m.info;
          if (this.#phase === 'starting') this.#phase = 'idle';
          resolve();
        }
        this.#fromWorker(m);
      });
      // Every worker gets an 'error' listener: an uncaught error in it must not end the daemon.
      worker.on('error', (err) => {
        this.#log.error({ err: err.message }, 'list-sync worker failed');
        if (!settled) {
          settled = true;
          reject(new Error(`list sync cannot start: ${err.message}`));
        }
      });
      worker.on('exit', (code) => {
        if (this.#worker === worker) {
          this.#worker = null;
          this.#ready = false;
        }
        if (!settled) {
          settled = true;
          reject(new Error(`list-sync worker exited with code ${code} before it was ready`));
          return;
        }
        if (this.#stopping) return;
        this.#respawnLater(code);
      });
    });
  }

  #respawnLater(code: number): void {
    const delay = Math.min(RESPAWN_MAX_MS, RESPAWN_MIN_MS * 2 ** this.#respawns++);
    this.#log.error({ code, retry_in_ms: delay }, 'list-sync worker ended; the list in force stays');
    this.#respawnTimer = setTimeout(() => {
      this.#respawnTimer = null;
      if (this.#stopping) return;
      this.#spawn().then(
        () => {
          if (this.#o.client.connected) this.#onConnect();
        },
        (err: unknown) => this.#log.error({ err: (err as Error).message }, 'list-sync worker restart failed'),
      );
    }, delay);
    this.#respawnTimer.unref();
  }

  #send(m: ToWorker, transfer?: ArrayBuffer[]): void {
    if (this.#worker && this.#ready) this.#worker.postMessage(m, transfer);
  }

  readonly #onConnect = (): void => {
    this.#send({ type: 'connected', now: this.#o.clock.now() });
  };

  readonly #onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    if (!topic.startsWith(LIST_PREFIX)) return;
    const bytes = ownBytes(payload);
    this.#send(
      { type: 'message', topic, payload: bytes, retain: packet.retain === true, now: this.#o.clock.now() },
      [bytes.buffer as ArrayBuffer],
    );
  };

  #fromWorker(m: FromWorker): void {
    switch (m.type) {
      case 'ready':
      case 'stopped':
        return;
      case 'subscribe': {
        // resubscribe: mqtt.js would skip a topic it thinks is subscribed; a new SUBSCRIBE is what
        // makes the broker send the retained messages again. (Its type cannot say so without a cast.)
        const map = { resubscribe: true } as ISubscriptionMap;
        for (const t of m.topics) map[t] = { qos: 1 };
        this.#o.client.subscribe(map, (err, granted) => {
          if (err) this.#log.warn({ topics: m.topics, err: err.message }, 'list subscribe failed');
          for (const g of granted ?? []) {
            if (g.qos > 2)
              this.#log.warn({ topic: g.topic, code: g.qos }, 'list subscribe refused by the broker');
          }
        });
        return;
      }
      case 'unsubscribe':
        this.#o.client.unsubscribe([...m.topics], (err?: Error) => {
          if (err) this.#log.debug({ topics: m.topics, err: err.message }, 'list unsubscribe failed');
        });
        return;
      case 'resync':
        this.#publishResync(m.reason, m.have);
        return;
      case 'applied':
        this.#lastApplied = m.event;
        this.#info = m.event.info;
        try {
          this.#o.onApplied?.(m.event);
        } catch (err) {
          this.#log.error({ err }, 'onApplied callback failed');
        }
        return;
      case 'rejected':
        this.#rejectedTotal++;
        this.#byCode[m.event.code] = (this.#byCode[m.event.code] ?? 0) + 1;
        return;
      case 'phase':
        this.#phase = m.phase;
        return;
      case 'log':
        this.#log[m.level](m.fields, m.msg);
        return;
    }
  }

  #publishResync(reason: ResyncReason, have: number | null): void {
    this.#resyncs++;
    const vehicle = this.#o.vehicle;
    const payload = encodeResync({
      type: 'resync',
      vehicle,
      have_version: have,
      reason,
      at: new Date(this.#o.clock.now()).toISOString(),
    });
    this.#o.client.publish(topics.resync(vehicle), payload, { qos: 1 }, (err) => {
      if (err) this.#log.warn({ err: err.message }, 'resync request not sent');
    });
  }
}
