/**
 * The depot's side of the records flow: receives batches from every bus on
 * `teiki/v1/bus/+/records`, stores them (idempotently, durably), and only then publishes the ack on
 * `teiki/v1/bus/<vehicle>/ack`. The vehicle is taken from the topic, which the broker's ACL ties
 * to the bus's certificate; a batch claiming another vehicle in its payload is refused.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from '../../device/log/logger.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { encodeAck, parseRecords } from '../messages.js';
import { isSyncRejection } from '../rejection.js';
import type { Ack } from '../schemas/ack.js';
import type { RecordsBatch } from '../schemas/records.js';
import { parseTopic, topics } from '../topics.js';
import type { CollectorStore, StoredBatch } from './collector-store.js';

export type CollectorClient = Pick<
  MqttClient,
  'connected' | 'publish' | 'subscribe' | 'on' | 'removeListener'
>;

export interface CollectorDeps {
  readonly client: CollectorClient;
  readonly store: Pick<CollectorStore, 'storeBatch'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called after each batch is stored and acked (progress output). */
  readonly onBatch?: (vehicle: string, batch: RecordsBatch, stored: StoredBatch) => void;
}

export interface CollectorStats {
  batches: number;
  records_stored: number;
  duplicates: number;
  seq_clashes: number;
  rejected: number;
  vehicles: number;
  last_batch_at: string | null;
}

export class Collector {
  readonly #d: CollectorDeps;
  readonly #log: Logger;
  readonly #vehicles = new Set<string>();
  readonly #stats: CollectorStats = {
    batches: 0,
    records_stored: 0,
    duplicates: 0,
    seq_clashes: 0,
    rejected: 0,
    vehicles: 0,
    last_batch_at: null,
  };
  #stopped = false;
  #ready: Promise<void> | null = null;
  #settle: { resolve: () => void; reject: (err: Error) => void } | null = null;

  constructor(deps: CollectorDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: 'collector' });
  }

  /**
   * Listens for batches; resolves once subscribed (again on every reconnect: the broker may have
   * lost the depot's session). Rejects if the broker refuses the subscription.
   */
  start(): Promise<void> {
    if (!this.#ready) {
      this.#ready = new Promise((resolve, reject) => {
        this.#settle = { resolve, reject };
      });
      this.#d.client.on('message', this.#onMessage);
      this.#d.client.on('connect', this.#onConnect);
      if (this.#d.client.connected) this.#onConnect();
    }
    return this.#ready;
  }

  /** Idempotent; the client stays its owner's. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#d.client.removeListener('message', this.#onMessage);
    this.#d.client.removeListener('connect', this.#onConnect);
  }

  stats(): CollectorStats {
    return { ...this.#stats, vehicles: this.#vehicles.size };
  }

  #subscribe(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#d.client.subscribe(topics.allRecords, { qos: 1 }, (err, granted) => {
        const code = granted?.[0]?.qos;
        if (err || code === undefined || code > 2) {
          reject(
            new Error(
              `broker refused the subscription to ${topics.allRecords}: ${err?.message ?? `reason ${code}`}`,
            ),
          );
        } else resolve();
      });
    });
  }

  readonly #onConnect = (): void => {
    if (this.#stopped) return;
    this.#subscribe().then(
      () => this.#settle?.resolve(),
      (err: Error) => {
        this.#log.error({ err: err.message }, 'subscribe failed');
        this.#settle?.reject(err);
      },
    );
  };

  readonly #onMessage = (topic: string, payload: Buffer): void => {
    if (this.#stopped) return;
    try {
      this.#handle(topic, payload);
    } catch (err) {
      // Never into mqtt.js: one bad message must not stop the depot collecting the others.
      this.#log.error({ topic, err: (err as Error)?.message ?? String(err) }, 'records message failed');
    }
  };

  #handle(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'records') return;
    const vehicle = parsed.vehicle;
    let batch: RecordsBatch;
    try {
      batch = parseRecords(payload);
    } catch (err) {
      if (!isSyncRejection(err)) throw err;
      this.#reject(vehicle, payload, err.message);
      return;
    }
    if (batch.vehicle !== vehicle) {
      this.#reject(vehicle, payload, `batch names vehicle ${batch.vehicle}, published on ${vehicle}'s topic`);
      return;
    }
    const now = this.#d.clock.now();
    let stored: StoredBatch;
    try {
      stored = this.#d.store.storeBatch(batch, now);
    } catch (err) {
      // Not stored, so no ack: the bus sends the batch again after its ack timeout.
      this.#log.error({ vehicle, err: (err as Error).message }, 'cannot store records batch');
      return;
    }
    this.#vehicles.add(vehicle);
    const s = this.#stats;
    s.batches++;
    s.records_stored += stored.inserted;
    s.duplicates += stored.duplicates;
    s.seq_clashes += stored.seqClashes;
    s.last_batch_at = new Date(now).toISOString();
    if (stored.seqClashes > 0) {
      this.#log.warn(
        { vehicle, clashes: stored.seqClashes },
        'records reuse seq numbers already stored under other event ids (records database replaced on the bus?); kept both',
      );
    }
    this.#ack(vehicle, {
      type: 'ack',
      vehicle,
      batch_id: batch.batch_id,
      first_seq: batch.first_seq,
      last_seq: batch.last_seq,
      count: batch.records.length,
      result: 'stored',
      at: new Date(now).toISOString(),
    });
    this.#log.debug(
      {
        vehicle,
        first_seq: batch.first_seq,
        last_seq: batch.last_seq,
        new: stored.inserted,
        dup: stored.duplicates,
      },
      'batch stored',
    );
    this.#d.onBatch?.(vehicle, batch, stored);
  }

  /** Answers a batch that breaks the contract, when it names enough to be answered at all. */
  #reject(vehicle: string, payload: Buffer, reason: string): void {
    this.#stats.rejected++;
    this.#log.warn({ vehicle, reason: reason.slice(0, 300) }, 'records batch refused');
    const head = peekBatchHead(payload);
    if (!head) return;
    this.#ack(vehicle, {
      type: 'ack',
      vehicle,
      batch_id: head.batch_id,
      first_seq: head.first_seq,
      last_seq: head.last_seq,
      count: 0,
      result: 'rejected',
      error: reason.slice(0, 500),
      at: new Date(this.#d.clock.now()).toISOString(),
    });
  }

  #ack(vehicle: string, ack: Ack): void {
    this.#d.client.publish(topics.ack(vehicle), encodeAck(ack), { qos: 1 }, (err) => {
      if (err) this.#log.warn({ vehicle, err: err.message }, 'ack not delivered to the broker');
    });
  }
}

/** batch_id and seq range of a refused batch, if its JSON holds them in a usable shape. */
function peekBatchHead(payload: Buffer): { batch_id: string; first_seq: number; last_seq: number } | null {
  try {
    const v = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    const id = v.batch_id;
    const first = v.first_seq;
    const last = v.last_seq;
    if (typeof id !== 'string' || id.length < 1 || id.length > 64) return null;
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return null;
    if ((first as number) < 1 || (last as number) < (first as number)) return null;
    return { batch_id: id, first_seq: first as number, last_seq: last as number };
  } catch {
    return null;
  }
}
