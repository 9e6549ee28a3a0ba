/**
 * The bus side of sync inside `teiki run` (issue 4): one MQTT client (persistent session, fixed
 * client id, QoS 1) shared by the list sync, the record uploader and the retained status, plus
 * the scheduled jobs (cron.ts). The daemon sees it as a SyncLink (device/daemon/sync-link.ts).
 *
 * Stop order: cron jobs (no job starts mid-shutdown), the retained "offline" status (while the
 * client still runs), the uploader (unacked records stay pending), the list sync (an apply in
 * progress rolls back), then the client.
 */
import type { MqttClient } from 'mqtt';
import type { Config } from '../../device/config/schema.js';
import type { SyncContext, SyncFactory, SyncLink } from '../../device/daemon/sync-link.js';
import type { Logger } from '../../device/log/logger.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { connectBus } from './connect.js';
import { type ScheduledSyncJobs, scheduleSyncJobs, syncSchedule } from './cron.js';
import { createSyncJobs } from './cron-jobs.js';
import { ListSync } from './list-sync.js';
import { RecordUploader, uploaderSettings } from './record-uploader.js';
import { statusFacts } from './status-facts.js';
import { StatusPublisher } from './status-publisher.js';
import { updateSyncState } from './status-state.js';

const STATE_EVERY_MS = 2_000;

export interface BusSyncDeps {
  /** mqtt.js connect by default (tests and the demo may hand in their own client). */
  readonly connect?: (config: Config, logger: Logger) => MqttClient;
  /** The package version, published in the bus's status as `software_version`. */
  readonly softwareVersion?: string;
  /** Write sync-state.json for `teiki status` (default true; the demo's in-process buses skip it). */
  readonly stateFile?: boolean;
  /**
   * Monotonic milliseconds, against which wall-clock steps are seen (performance.now by default).
   * The demo runs on a scripted clock whose jumps are its story, not a step: it passes that clock.
   */
  readonly monotonic?: () => number;
}

/** The SyncFactory for `teiki run` when `mqtt.url` is set. */
export function createBusSync(
  config: Config,
  logger: Logger,
  clock: Clock,
  deps: BusSyncDeps = {},
): SyncFactory {
  return (ctx) => new BusSync(config, logger, clock, deps, ctx);
}

class BusSync implements SyncLink {
  readonly #config: Config;
  readonly #log: Logger;
  readonly #root: Logger;
  readonly #clock: Clock;
  readonly #deps: BusSyncDeps;
  readonly #ctx: SyncContext;
  #client: MqttClient | null = null;
  #list: ListSync | null = null;
  #uploader: RecordUploader | null = null;
  #status: StatusPublisher | null = null;
  #jobs: ScheduledSyncJobs | null = null;
  #stopping: Promise<void> | null = null;
  #lastAppliedAt: string | null = null;
  #stateTimer: NodeJS.Timeout | null = null;
  #stateSeen = '';

  constructor(config: Config, logger: Logger, clock: Clock, deps: BusSyncDeps, ctx: SyncContext) {
    this.#config = config;
    this.#root = logger;
    this.#log = logger.child({ component: 'sync' });
    this.#clock = clock;
    this.#deps = deps;
    this.#ctx = ctx;
  }

  async start(): Promise<void> {
    const c = this.#config;
    const ctx = this.#ctx;
    const client = (this.#deps.connect ?? connectBus)(c, this.#root);
    this.#client = client;
    // ListSync first: a bad pinned key must stop start-up before anything else runs.
    const list = new ListSync({
      client,
      listPath: ctx.listPath,
      vehicle: c.vehicle.id,
      pinnedKeys: c.trust.depot_public_keys,
      clock: this.#clock,
      logger: this.#root,
      onApplied: (event) => {
        this.#lastAppliedAt = new Date(this.#clock.now()).toISOString();
        this.#writeState({ last_applied_at: this.#lastAppliedAt });
        ctx.onListChanged();
        void this.#status?.publishNow();
        this.#log.info(
          { kind: event.kind, version: event.version, counts: event.counts, ms: event.duration_ms },
          'list applied',
        );
      },
    });
    this.#list = list;
    this.#uploader = new RecordUploader({
      client,
      store: ctx.records,
      clock: this.#clock,
      logger: this.#root,
      settings: uploaderSettings(c.sync),
    });
    this.#status = new StatusPublisher({
      client,
      vehicleId: c.vehicle.id,
      facts: () =>
        statusFacts({
          list: ctx.list,
          records: ctx.records,
          rejected: () => list.rejected().byCode,
          ...(this.#deps.softwareVersion ? { softwareVersion: this.#deps.softwareVersion } : {}),
        }),
      clock: this.#clock,
      logger: this.#root,
      everyMs: c.sync.status_every_s * 1000,
    });
    client.on('connect', this.#onConnect);
    client.on('close', this.#onClose);
    this.#writeState({ connected: false });

    await list.start();
    this.#uploader.start();
    this.#status.start();
    const jobs = createSyncJobs({
      vehicleId: c.vehicle.id,
      settings: c.sync,
      clock: this.#clock,
      logger: this.#root,
      records: ctx.records,
      list: ctx.list,
      databases: [ctx.recordsPath, ctx.listPath],
      uploader: this.#uploader,
      client,
      // The full check (ListSync.recheck): subscribing again makes the broker resend the retained
      // manifest and deltas; a snapshot of the version in force is compared with the list row by
      // row and any difference repaired; a newer one is applied; an expired one asks for a resync.
      onNightlyCheck: () => {
        const info = ctx.list.info();
        const expired = info.expiresAt !== null && Date.parse(info.expiresAt) <= this.#clock.now();
        const rechecked = list.recheck();
        return { rechecked, list_version: info.version, expired };
      },
    });
    // Refusals and acks change without a connect or apply: keep `teiki status` current.
    this.#stateTimer = setInterval(() => {
      const seen = `${list.rejected().total}/${this.#uploader?.stats().last_ack_at ?? ''}`;
      if (seen !== this.#stateSeen) this.#writeState({});
    }, STATE_EVERY_MS);
    this.#stateTimer.unref();
    this.#jobs = scheduleSyncJobs(syncSchedule(c.sync), jobs, this.#root, {
      clock: this.#clock,
      // The scheduler logged the step and re-planned its jobs; the status line judges the clock
      // against the list in force now rather than at its next refresh (時計異常 at once).
      onClockStep: () => ctx.onListChanged(),
      ...(this.#deps.monotonic ? { monotonic: this.#deps.monotonic } : {}),
    });
  }

  recordCommitted(): void {
    this.#uploader?.uploadNow();
  }

  link(): 'online' | 'offline' {
    return this.#client?.connected ? 'online' : 'offline';
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#stateTimer) clearInterval(this.#stateTimer);
    await this.#jobs?.stop();
    await this.#status?.stop({ offline: true, timeoutMs: 1500 });
    this.#uploader?.stop();
    await this.#list?.stop();
    const client = this.#client;
    if (client) {
      client.removeListener('connect', this.#onConnect);
      client.removeListener('close', this.#onClose);
      // force: a broker that is gone must not hold the shutdown (unacked records stay pending).
      await client.endAsync(!client.connected);
    }
    this.#writeState({ connected: false });
  }

  readonly #onConnect = (): void => {
    this.#writeState({ connected: true, last_connected_at: new Date(this.#clock.now()).toISOString() });
    this.#ctx.onListChanged();
  };

  readonly #onClose = (): void => {
    if (this.#stopping) return;
    this.#writeState({ connected: false });
    this.#ctx.onListChanged();
  };

  /** sync-state.json is how `teiki status` (another process) learns the link and counters. */
  #writeState(patch: Parameters<typeof updateSyncState>[1]): void {
    if (this.#deps.stateFile === false) return;
    try {
      const rejected = this.#list?.rejected() ?? { total: 0, byCode: {} };
      const lastAck = this.#uploader?.stats().last_ack_at ?? null;
      this.#stateSeen = `${rejected.total}/${lastAck ?? ''}`;
      updateSyncState(
        this.#config.data_dir,
        { rejected: rejected.byCode, ...(lastAck ? { last_ack_at: lastAck } : {}), ...patch },
        this.#clock.now(),
      );
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'sync state not written');
    }
  }
}
