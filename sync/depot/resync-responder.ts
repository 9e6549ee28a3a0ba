/**
 * The depot's answer to `teiki/v1/bus/<vehicle>/resync` (sync/README.md): a bus that found a gap
 * it cannot close from the retained deltas (its broker queue overflowed), or refused what it got,
 * asks for a snapshot. When the retained snapshot is newer than what the bus has, that one serves
 * and nothing is sent; otherwise a fresh snapshot of the list last published goes out. Requests
 * are coalesced: one republish at a time, at most one per `minIntervalMs`, however many buses ask.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from '../../device/log/logger.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { parseResync } from '../messages.js';
import { isSyncRejection } from '../rejection.js';
import type { Resync } from '../schemas/resync.js';
import { parseTopic, topics } from '../topics.js';

export type ResyncClient = Pick<MqttClient, 'on' | 'removeListener' | 'subscribe' | 'unsubscribe'>;

export interface ResyncResponderDeps {
  readonly client: ResyncClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Version of the snapshot buses get from the retained manifest (null: none yet). */
  readonly retainedSnapshot: () => number | null;
  /** Publishes a fresh snapshot (e.g. republishSnapshot with the depot's context). */
  readonly republish: (asked: Resync) => Promise<unknown>;
  readonly minIntervalMs?: number;
}

export class ResyncResponder {
  readonly #d: ResyncResponderDeps;
  readonly #log: Logger;
  #running: Promise<void> | null = null;
  #waiting: Resync | null = null;
  #lastAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | null = null;
  #started = false;
  readonly #onMessage = (topic: string, payload: Buffer) => this.#message(topic, payload);
  readonly #onConnect = () => this.#subscribe();
  answered = 0;

  constructor(deps: ResyncResponderDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: 'resync' });
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#d.client.on('message', this.#onMessage);
    this.#d.client.on('connect', this.#onConnect);
    this.#subscribe();
  }

  /** Idempotent; waits for a republish in progress. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#d.client.removeListener('message', this.#onMessage);
    this.#d.client.removeListener('connect', this.#onConnect);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#waiting = null;
    await this.#running;
  }

  #subscribe(): void {
    this.#d.client.subscribe(topics.allResync, { qos: 1 }, (err) => {
      if (err) this.#log.warn({ err: err.message }, 'cannot subscribe to resync requests');
    });
  }

  #message(topic: string, payload: Buffer): void {
    if (parseTopic(topic)?.kind !== 'resync') return;
    let asked: Resync;
    try {
      asked = parseResync(payload);
    } catch (err) {
      if (!isSyncRejection(err)) throw err;
      this.#log.warn({ topic, err: err.message }, 'resync request refused');
      return;
    }
    const retained = this.#d.retainedSnapshot();
    // 'rejected': the bus refused what is retained (a bad chunk), so only a new snapshot helps.
    if (asked.reason !== 'rejected' && this.#serves(retained, asked)) {
      this.#log.info(
        { vehicle: asked.vehicle, have: asked.have_version, retained },
        'resync: retained snapshot serves',
      );
      return;
    }
    this.#log.info(
      { vehicle: asked.vehicle, have: asked.have_version, reason: asked.reason },
      'resync asked',
    );
    this.#waiting = asked;
    this.#schedule();
  }

  #serves(retained: number | null, asked: Resync): boolean {
    return retained !== null && (asked.have_version === null || retained > asked.have_version);
  }

  #schedule(): void {
    if (this.#running || this.#timer || !this.#waiting || !this.#started) return;
    const wait = Math.max(0, this.#lastAt + (this.#d.minIntervalMs ?? 30_000) - this.#d.clock.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const asked = this.#waiting;
      this.#waiting = null;
      if (!asked || !this.#started) return;
      // A request that came in while an older snapshot was going out may be served by it.
      if (asked.reason !== 'rejected' && this.#serves(this.#d.retainedSnapshot(), asked)) return;
      this.#lastAt = this.#d.clock.now();
      this.#running = this.#d
        .republish(asked)
        .then(
          () => {
            this.answered++;
          },
          (err: unknown) => this.#log.error({ err }, 'resync: republish failed'),
        )
        .finally(() => {
          this.#running = null;
          this.#schedule();
        });
    }, wait);
    this.#timer.unref();
  }
}
