/**
 * The bus's retained status on `teiki/v1/bus/<vehicle>/status` (sync/README.md): "online" with the
 * list in force and the outbox size, on every connect, every `everyMs` and on `publishNow()`;
 * "offline" as the last will (set by connect.ts) and on a graceful `stop()`. The depot's fleet
 * view is the set of these retained messages.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from '../../device/log/logger.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { encodeStatus } from '../messages.js';
import type { OnlineStatus } from '../schemas/status.js';
import { topics } from '../topics.js';

/** What the status reports, gathered by the caller (the daemon owns the stores). */
export type StatusFacts = Omit<OnlineStatus, 'type' | 'vehicle' | 'state' | 'at'>;

export type StatusClient = Pick<MqttClient, 'connected' | 'publish' | 'on' | 'removeListener'>;

export interface StatusPublisherDeps {
  readonly client: StatusClient;
  readonly vehicleId: string;
  /** Called at each publish; keep it cheap (it runs every `everyMs`). */
  readonly facts: () => StatusFacts;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly everyMs: number;
}

export class StatusPublisher {
  readonly #d: StatusPublisherDeps;
  readonly #log: Logger;
  readonly #topic: string;
  #timer: NodeJS.Timeout | null = null;
  #started = false;
  #stopped = false;
  #lastPublishedAt: number | null = null;

  constructor(deps: StatusPublisherDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: 'status' });
    this.#topic = topics.status(deps.vehicleId);
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#d.client.on('connect', this.#onConnect);
    this.#timer = setInterval(() => void this.publishNow(), this.#d.everyMs);
    this.#timer.unref();
    if (this.#d.client.connected) void this.publishNow();
  }

  /** Epoch ms of the last status the broker acknowledged. */
  get lastPublishedAt(): number | null {
    return this.#lastPublishedAt;
  }

  /** Publishes "online" now (after a list change, say). Resolves false when offline or refused. */
  publishNow(): Promise<boolean> {
    if (this.#stopped || !this.#d.client.connected) return Promise.resolve(false);
    let payload: Buffer;
    try {
      const now = this.#d.clock.now();
      payload = encodeStatus({
        ...this.#d.facts(),
        type: 'status',
        vehicle: this.#d.vehicleId,
        state: 'online',
        at: new Date(now).toISOString(),
      });
    } catch (err) {
      // A fact out of its schema (a bug): report it, keep the last good status retained.
      this.#log.error({ err: (err as Error).message }, 'status not published');
      return Promise.resolve(false);
    }
    return this.#publish(payload);
  }

  /**
   * Idempotent. With `offline` (graceful shutdown) publishes the retained "offline" status with its
   * time first, waiting at most `timeoutMs` for the broker; the last will covers the other exits.
   */
  async stop(opts: { offline?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#d.client.removeListener('connect', this.#onConnect);
    if (!opts.offline || !this.#d.client.connected) return;
    const payload = encodeStatus({
      type: 'status',
      vehicle: this.#d.vehicleId,
      state: 'offline',
      at: new Date(this.#d.clock.now()).toISOString(),
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), opts.timeoutMs ?? 2000);
    });
    const ok = await Promise.race([this.#publish(payload), timeout]);
    clearTimeout(timer);
    if (!ok) this.#log.warn('offline status not confirmed by the broker');
  }

  readonly #onConnect = (): void => {
    void this.publishNow();
  };

  #publish(payload: Buffer): Promise<boolean> {
    return new Promise((resolve) => {
      this.#d.client.publish(this.#topic, payload, { qos: 1, retain: true }, (err) => {
        if (err) {
          this.#log.warn({ err: err.message }, 'status publish failed');
          resolve(false);
          return;
        }
        this.#lastPublishedAt = this.#d.clock.now();
        resolve(true);
      });
    });
  }
}
