/**
 * Boarding records up to the depot (sync/README.md "Buses: status, records, acks"). The records
 * database is the outbox (STYLE.md 7): the uploader reads pending records in seq order, sends
 * them in batches on `teiki/v1/bus/<vehicle>/records` (QoS 1), keeps up to `window` batches
 * unacknowledged, and marks records uploaded only when the depot's ack says `stored`. Nothing is
 * kept in memory that a restart would need: after a reconnect, an ack timeout or a restart, the
 * pending records are simply sent again and the depot stores each record once.
 */
import type { Logger } from '../../device/log/logger.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { LIMITS } from '../limits.js';
import { parseAck } from '../messages.js';
import { isSyncRejection } from '../rejection.js';
import type { Ack } from '../schemas/ack.js';
import { topics } from '../topics.js';
import { HeldRanges, nextBatch } from './record-batch.js';
import type {
  RecordUploaderDeps,
  UploaderClient,
  UploaderSettings,
  UploaderStats,
  UploaderStore,
} from './record-settings.js';

export type {
  RecordUploaderDeps,
  UploaderClient,
  UploaderSettings,
  UploaderStats,
  UploaderStore,
} from './record-settings.js';
export { uploaderSettings } from './record-settings.js';

interface InFlight {
  readonly first: number;
  readonly last: number;
  readonly count: number;
  timer: NodeJS.Timeout | null;
}

const REJECT_HOLD_MS = 10 * 60_000;

export class RecordUploader {
  readonly #client: UploaderClient;
  readonly #store: UploaderStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #settings: UploaderSettings;
  readonly #vehicle: string;
  readonly #ackTopic: string;
  readonly #recordsTopic: string;
  readonly #inFlight = new Map<string, InFlight>();
  readonly #held = new HeldRanges();
  readonly #drainWaiters = new Set<() => void>();
  /** Highest seq handled in the current round; 0 restarts from the oldest pending record. */
  #cursor = 0;
  #subscribed = false;
  #started = false;
  #stopped = false;
  #pumpQueued = false;
  #timeoutMs: number;
  #ackedSinceEmpty = 0;
  #s = {
    sent_batches: 0,
    sent_records: 0,
    resent_batches: 0,
    acked_batches: 0,
    acked_records: 0,
    rejected_batches: 0,
    unknown_acks: 0,
    unsendable: 0,
    last_ack_at: null as string | null,
    last_error: null as string | null,
  };

  constructor(deps: RecordUploaderDeps) {
    this.#client = deps.client;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.logger.child({ component: 'uploader' });
    const batchSize = Math.min(Math.max(1, deps.settings.batchSize), LIMITS.recordsPerBatch);
    this.#settings = { ...deps.settings, batchSize, window: Math.max(1, deps.settings.window) };
    this.#timeoutMs = this.#settings.ackTimeoutMs;
    this.#vehicle = deps.store.vehicleId;
    this.#ackTopic = topics.ack(this.#vehicle);
    this.#recordsTopic = topics.records(this.#vehicle);
  }

  /** Starts listening; uploads on every connect, on `uploadNow()` and as acks free the window. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#client.on('connect', this.#onConnect);
    this.#client.on('close', this.#onClose);
    this.#client.on('message', this.#onMessage);
    if (this.#client.connected) this.#onConnect();
  }

  /** Idempotent. Leaves the client to its owner; unacknowledged records stay pending. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#client.removeListener('connect', this.#onConnect);
    this.#client.removeListener('close', this.#onClose);
    this.#client.removeListener('message', this.#onMessage);
    this.#forgetInFlight();
    for (const wake of this.#drainWaiters) wake();
  }

  /** Offers pending records now (coalesced): after a tap, or from the periodic job. */
  uploadNow(): void {
    if (this.#pumpQueued || this.#stopped) return;
    this.#pumpQueued = true;
    setImmediate(() => {
      this.#pumpQueued = false;
      this.#safely('upload', () => this.#pump());
    });
  }

  /**
   * Resolves once nothing is pending and nothing is in flight (tests, bench, shutdown). Rejects
   * after `timeoutMs`, or if the uploader is stopped first.
   */
  drain(timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.#stopped) return done(new Error('uploader stopped before the outbox drained'));
        if (this.#inFlight.size === 0 && this.#store.pendingCount() === 0) done();
      };
      const timer = setTimeout(
        () =>
          done(
            new Error(`outbox not drained within ${timeoutMs} ms (${this.#store.pendingCount()} pending)`),
          ),
        timeoutMs,
      );
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.#drainWaiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      this.#drainWaiters.add(check);
      check();
      this.uploadNow();
    });
  }

  stats(): UploaderStats {
    return {
      connected: this.#client.connected,
      pending: this.#store.pendingCount(),
      in_flight: this.#inFlight.size,
      ...this.#s,
    };
  }

  readonly #onConnect = (): void => {
    // A new connection: whatever was in flight may be lost; the next round starts from the oldest
    // pending record. The subscription is renewed in case the broker lost the session.
    this.#forgetInFlight();
    this.#subscribed = false;
    this.#client.subscribe(this.#ackTopic, { qos: 1 }, (err, granted) => {
      const code = granted?.[0]?.qos;
      if (err || code === undefined || code > 2) {
        this.#fail(`cannot subscribe to ${this.#ackTopic}: ${err?.message ?? `reason ${code}`}`);
        return;
      }
      this.#subscribed = true;
      this.#safely('upload', () => this.#pump());
    });
  };

  readonly #onClose = (): void => {
    this.#subscribed = false;
    this.#forgetInFlight();
  };

  readonly #onMessage = (topic: string, payload: Buffer): void => {
    if (topic !== this.#ackTopic) return;
    let ack: Ack;
    try {
      ack = parseAck(payload);
    } catch (err) {
      this.#fail(`unreadable ack: ${isSyncRejection(err) ? err.message : String(err)}`);
      return;
    }
    if (ack.vehicle !== this.#vehicle) {
      this.#fail(`ack for ${ack.vehicle} on ${this.#vehicle}'s topic ignored`);
      return;
    }
    this.#safely('ack', () => this.#onAck(ack));
  };

  #onAck(ack: Ack): void {
    const entry = this.#inFlight.get(ack.batch_id);
    if (!entry) {
      // Only a batch this uploader has in flight can be acknowledged, and only within its own
      // seq range: an ack naming some other batch or range (a forged or confused depot, or one
      // for a batch sent before a restart) must not mark records the depot never received.
      // Unknown acks change nothing; their records are simply offered again (the depot dedupes).
      this.#s.unknown_acks++;
      this.#log.debug(
        { batch: ack.batch_id, first_seq: ack.first_seq, last_seq: ack.last_seq },
        'ack for a batch not in flight ignored',
      );
      this.#pump();
      return;
    }
    if (entry.timer) clearTimeout(entry.timer);
    this.#inFlight.delete(ack.batch_id);
    const first = Math.max(ack.first_seq, entry.first);
    const last = Math.min(ack.last_seq, entry.last);
    if (ack.result === 'rejected') {
      this.#s.rejected_batches++;
      if (first <= last) {
        this.#held.hold(
          first,
          last,
          this.#clock.now() + (this.#settings.rejectHoldMs ?? REJECT_HOLD_MS),
          'rejected',
        );
      }
      this.#fail(`depot refused records ${ack.first_seq}-${ack.last_seq}: ${ack.error ?? 'no reason given'}`);
    } else {
      const marked = first <= last ? this.#store.markUploadedRange(first, last) : 0;
      this.#s.acked_batches++;
      this.#s.acked_records += marked;
      this.#ackedSinceEmpty += marked;
      this.#s.last_ack_at = new Date(this.#clock.now()).toISOString();
      this.#timeoutMs = this.#settings.ackTimeoutMs;
      this.#log.debug(
        { batch: ack.batch_id, first_seq: first, last_seq: last, marked },
        'batch acknowledged',
      );
    }
    this.#pump();
  }

  #pump(): void {
    if (!this.#started || this.#stopped || !this.#client.connected || !this.#subscribed) return;
    // Idle: a new round from the oldest pending record (retries what a lost ack left behind).
    if (this.#inFlight.size === 0) this.#cursor = 0;
    while (this.#inFlight.size < this.#settings.window) {
      const now = this.#clock.now();
      const step = nextBatch(
        this.#store,
        this.#vehicle,
        this.#cursor,
        this.#settings.batchSize,
        this.#held,
        now,
      );
      if (step.kind === 'none') break;
      if (step.kind === 'skip') {
        this.#cursor = step.cursor;
        continue;
      }
      if (step.kind === 'bad') {
        // Kept in the outbox (never deleted unsent), reported, and stepped over until restart.
        this.#s.unsendable++;
        this.#held.hold(step.record.seq, step.record.seq, Number.POSITIVE_INFINITY, 'unsendable');
        this.#fail(`record seq ${step.record.seq} cannot be sent (${step.reason}); kept on the bus`);
        this.#cursor = step.record.seq;
        continue;
      }
      const { batch, payload } = step.built;
      this.#cursor = step.cursor;
      this.#send(batch.batch_id, batch.first_seq, batch.last_seq, batch.records.length, payload);
    }
    this.#checkDrained();
  }

  #send(batchId: string, first: number, last: number, count: number, payload: Buffer): void {
    const entry: InFlight = { first, last, count, timer: null };
    entry.timer = setTimeout(() => this.#onTimeout(batchId), this.#timeoutMs);
    entry.timer.unref();
    this.#inFlight.set(batchId, entry);
    this.#s.sent_batches++;
    this.#s.sent_records += count;
    this.#client.publish(this.#recordsTopic, payload, { qos: 1 }, (err) => {
      // A PUBACK error (MQTT 5 "not authorized": the ACL) or a cut; the ack timeout resends.
      if (err) this.#fail(`records batch ${first}-${last} not accepted by the broker: ${err.message}`);
    });
    this.#log.debug({ batch: batchId, first_seq: first, last_seq: last, count }, 'batch sent');
  }

  #onTimeout(batchId: string): void {
    const entry = this.#inFlight.get(batchId);
    if (!entry || this.#stopped) return;
    this.#s.resent_batches += this.#inFlight.size;
    this.#log.warn(
      {
        first_seq: entry.first,
        last_seq: entry.last,
        in_flight: this.#inFlight.size,
        timeout_ms: this.#timeoutMs,
      },
      'no ack for a records batch; sending the pending records again',
    );
    // No depot answering: wait longer each time, so a long depot outage does not pile copies of
    // the same records in its broker session. Later batches are resent too: their acks are as
    // late as this one's, and a new round keeps every batch a run of consecutive pending records.
    this.#timeoutMs = Math.min(this.#timeoutMs * 2, this.#settings.ackTimeoutMs * 32);
    this.#forgetInFlight();
    this.#safely('upload', () => this.#pump());
  }

  #forgetInFlight(): void {
    for (const e of this.#inFlight.values()) if (e.timer) clearTimeout(e.timer);
    this.#inFlight.clear();
    this.#cursor = 0;
  }

  #checkDrained(): void {
    if (this.#inFlight.size !== 0) return;
    if (this.#ackedSinceEmpty > 0 && this.#store.pendingCount() === 0) {
      this.#log.info({ records: this.#ackedSinceEmpty }, 'all boarding records acknowledged by the depot');
      this.#ackedSinceEmpty = 0;
    }
    for (const check of [...this.#drainWaiters]) check();
  }

  /**
   * Runs a step from an event (MQTT message, timer): a database error must not escape into
   * mqtt.js or the event loop and take the validator down. What failed stays pending and is
   * offered again in the next round.
   */
  #safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#fail(`${what} failed: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  #fail(message: string): void {
    this.#s.last_error = message;
    this.#log.error(message);
  }
}
