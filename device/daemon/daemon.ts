/**
 * The validator daemon (`teiki run`): wires stores, pipeline and ports, reports `ready`, keeps
 * the driver's status line fresh, and shuts down through one idempotent path with a deadline:
 * reader → stop source → records → display → databases → logger.
 * Ports arrive already constructed (device/cli/platform.ts is the composition root), so this
 * file knows port types only.
 */
import { join } from 'node:path';
import type { CardEvent, CardReader, ReaderHealth } from '../../hardware/ports/card-reader.js';
import type { Clock } from '../../hardware/ports/clock.js';
import type { DriverDisplay } from '../../hardware/ports/driver-display.js';
import {
  CanceledError,
  CardReadError,
  CardRemovedError,
  ReaderGoneError,
} from '../../hardware/ports/errors.js';
import type { PassengerSignal } from '../../hardware/ports/passenger-signal.js';
import type { StopSource } from '../../hardware/ports/stop-source.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { TapPipeline } from '../pipeline/tap-pipeline.js';
import { type ClockBounds, clockBoundsOf, NO_CLOCK_BOUNDS } from '../rules/clock-trust.js';
import { releaseReserve } from '../store/disk-reserve.js';
import { ListStore } from '../store/list-store.js';
import { makeDirSync } from '../store/make-dir.js';
import type { RecordStorage } from './record-storage.js';
import { Shutdown } from './shutdown.js';
import { statusLine } from './status-line.js';
import { StorageWatch } from './storage-watch.js';
import type { SyncFactory, SyncLink } from './sync-link.js';

/**
 * The pass list cannot be opened (permissions, a corrupt file, a read-only mount it was never
 * closed cleanly on): exit 4. Records that cannot be opened are held in memory instead.
 */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  constructor(dataDir: string, cause: unknown) {
    super(`cannot open the local store in ${dataDir}: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

export interface DaemonPorts {
  readonly reader: CardReader;
  readonly display: DriverDisplay;
  readonly signal: PassengerSignal;
  readonly stopSource: StopSource | null;
  readonly clock: Clock;
  /** Extra steps the composition root wants in the shutdown path (MQTT, device handles). */
  readonly onShutdown?: ReadonlyArray<{ name: string; run: () => Promise<void> | void }>;
  /** Sync with the depot (issue 4), when the config names a broker. */
  readonly sync?: SyncFactory | null;
  /** Where `teiki status` finds the records storage state (records-state-file.ts); tests use their own. */
  readonly runtimeDir?: string;
}

const STATUS_EVERY_MS = 30_000;
/** Looked up by the watchdog's health probe: the same indexed reads as a tap, whatever they find. */
const WATCHDOG_PROBE_IDM = '0000000000000000';

export class Daemon {
  readonly #config: Config;
  readonly #ports: DaemonPorts;
  readonly #log: Logger;
  readonly #root: Logger;
  readonly #shutdown: Shutdown;
  #list: ListStore | null = null;
  /** Records, disk reserve and the storage alarm (storage-watch.ts). */
  #storage: StorageWatch | null = null;
  #pipeline: TapPipeline | null = null;
  #sync: SyncLink | null = null;
  #statusTimer: NodeJS.Timeout | null = null;
  #lastTapAt: number | null = null;
  #listExpiresAt: number | null = null;
  /** The list in force bounds the clock (issue 7): refreshed with the status line. */
  #clockBounds: ClockBounds = NO_CLOCK_BOUNDS;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(config: Config, ports: DaemonPorts, logger: Logger) {
    this.#config = config;
    this.#ports = ports;
    this.#root = logger;
    this.#log = logger.child({ component: 'daemon' });
    this.#shutdown = new Shutdown(logger);
  }

  get pipeline(): TapPipeline | null {
    return this.#pipeline;
  }
  get listStore(): ListStore | null {
    return this.#list;
  }
  /** The records: committed to records.sqlite, or held in memory while it cannot be written. */
  get recordStore(): RecordStorage | null {
    return this.#storage?.records ?? null;
  }
  get syncLink(): SyncLink | null {
    return this.#sync;
  }

  async start(): Promise<void> {
    const c = this.#config;
    const p = this.#ports;
    // The whole shutdown path is laid down first, so a start that fails half-way (a store that
    // cannot open, a bad pinned key) still closes what the composition root opened (issue 7:
    // a serial display left open kept the process alive after a fatal start error).
    this.#shutdown.add('reader', () => p.reader.stop());
    if (p.stopSource) this.#shutdown.add('stop source', () => p.stopSource?.stop());
    // After the reader (no new records), before the stores close: last status, unacked records
    // stay pending, an apply in progress rolls back.
    this.#shutdown.add('sync', () => this.#sync?.stop());
    for (const step of p.onShutdown ?? []) this.#shutdown.add(step.name, step.run);
    this.#shutdown.add('display', async () => {
      await p.display.close();
      if ((p.signal as unknown) !== p.display) await p.signal.close();
    });
    this.#shutdown.add('status timer', () => {
      if (this.#statusTimer) clearInterval(this.#statusTimer);
      for (const u of this.#unsubscribe) u();
    });
    // Records are committed synchronously per tap; closing writes what is held in memory if it
    // can (a last try) and checkpoints the WAL.
    this.#shutdown.add('records', () => this.#storage?.close(), { always: true });
    this.#shutdown.add('pass list', () => this.#list?.close(), { always: true });

    const listPath = join(c.data_dir, 'list.sqlite');
    const recordsPath = join(c.data_dir, 'records.sqlite');
    let list: ListStore;
    try {
      // Boarding records are personal data: the data directory is private to the service user.
      // (On a read-only mount an existing directory is fine: makeDirSync only stats it.)
      makeDirSync(c.data_dir, 0o700);
      list = this.#openList(listPath);
    } catch (err) {
      // A full disk cannot even open a WAL database: give up the reserve and try once more, so a
      // bus restarted on a full disk still decides taps, with the storage alarm on.
      if (!releaseReserve(c.data_dir)) throw new StoreOpenError(c.data_dir, err);
      this.#log.warn({ err: (err as Error).message }, 'pass list did not open; released the disk reserve');
      try {
        list = this.#openList(listPath);
      } catch (again) {
        throw new StoreOpenError(c.data_dir, again);
      }
    }
    // Records never stop the start (issue 12): what cannot be written is held in memory.
    this.#storage = new StorageWatch({
      dataDir: c.data_dir,
      recordsPath,
      vehicleId: c.vehicle.id,
      clock: p.clock,
      logger: this.#root,
      ...(p.runtimeDir ? { runtimeDir: p.runtimeDir } : {}),
      onChange: () => this.refreshStatus(),
      onWritten: () => this.#sync?.recordCommitted(),
    });
    const records = this.#storage.records;
    this.#clockBounds = clockBoundsOf(list.info());

    this.#pipeline = new TapPipeline({
      vehicle: c.vehicle,
      settings: c.rules,
      clock: p.clock,
      passes: list,
      network: list.network,
      records,
      display: p.display,
      signal: p.signal,
      currentStop: () => p.stopSource?.current() ?? null,
      // Cached: ListStore.info() counts rows, too slow for every tap. Refreshed with the status line.
      listStale: () => this.#listExpiresAt !== null && this.#listExpiresAt < p.clock.now(),
      clockBounds: () => this.#clockBounds,
      logger: this.#root,
      // A record lost past the memory bound: the overflow alarm (RecordStorage's onChange) is up.
      onRecordFailure: () => this.#storage?.publish(),
    });

    const readerLog = this.#root.child({ component: 'reader' });
    this.#unsubscribe.push(
      p.display.subscribe({ onError: (err) => this.#log.warn({ err }, 'display error') }),
      // One physical unit is often both (SerialDisplay): subscribe once, or every error logs twice.
      (p.signal as unknown) === p.display
        ? () => {}
        : p.signal.subscribe({ onError: (err) => this.#log.warn({ err }, 'signal error') }),
      p.reader.subscribe({
        onCard: (event) => this.#onCard(event),
        onHealth: (h) => this.#onHealth(h, readerLog),
        onError: (err) => {
          if (err instanceof CardRemovedError)
            readerLog.debug({ reader: err.reader }, 'card removed mid-read');
          else if (err instanceof CanceledError) readerLog.debug('read canceled');
          // A card that answers badly is the passenger's to re-tap, not an alarm (issue 3).
          else if (err instanceof CardReadError)
            readerLog.warn({ reader: err.reader, failure: err.failure, sw: err.sw }, 'card read failed');
          else if (err instanceof ReaderGoneError)
            readerLog.warn({ reader: err.reader, err: err.message }, 'reader gone');
          else readerLog.error({ err }, 'reader error');
        },
      }),
    );
    if (p.stopSource) {
      const stopLog = this.#root.child({ component: 'stops' });
      this.#unsubscribe.push(
        p.stopSource.subscribe({
          onStop: (s) =>
            stopLog.info({ route: s.route_id, stop: s.stop_id, trip: s.trip_id ?? null }, 'stop'),
          onError: (err) => stopLog.warn({ err: err.message }, 'stop source error'),
        }),
      );
    }

    if (p.sync) {
      this.#sync = p.sync({
        list,
        records,
        listPath,
        recordsPath,
        onListChanged: () => this.refreshStatus(),
      });
      await this.#sync.start();
    }
    await p.reader.start();
    await p.stopSource?.start();
    this.refreshStatus();
    this.#statusTimer = setInterval(() => this.refreshStatus(), STATUS_EVERY_MS);
    this.#statusTimer.unref();
    const info = list.info();
    this.#log.info(
      {
        vehicle: c.vehicle.id,
        operator: c.vehicle.operator,
        list_version: info.version,
        passes: info.count,
        network_version: list.network.info().version,
        readers: p.reader.health(),
      },
      'ready',
    );
  }

  /** Time of the last tap handled, for the watchdog (issue 5). */
  get lastTapAt(): number | null {
    return this.#lastTapAt;
  }

  /**
   * Why the tap loop could not take a tap now, or null when it can: started, not shutting down,
   * and both stores answer the reads every tap makes. The systemd watchdog asks before each ping
   * (device/daemon/watchdog.ts). Idle readers are no problem: a bus can see no tap for hours. A
   * failing record write or a missing reader is an alarm for the driver, not a reason to restart:
   * a restart mends neither a full disk nor a cable, and takes the validator off the bus meanwhile.
   */
  tapLoopProblem(): string | null {
    if (!this.#pipeline || !this.#list || !this.#storage) return 'not started';
    if (this.#shutdown.started) return 'shutting down';
    try {
      this.#list.lookup(WATCHDOG_PROBE_IDM);
    } catch (err) {
      return `store unusable: ${(err as Error).message}`;
    }
    // Records storage is never a reason to restart (issue 12): a restart would lose the records
    // held in memory, and mends neither a read-only mount nor a full disk. It reads no store
    // when it cannot, so this probe only proves the call returns.
    this.#storage.records.openTapOn(WATCHDOG_PROBE_IDM);
    return null;
  }

  /** The shutdown path closes what is set here. */
  #openList(listPath: string): ListStore {
    const list = ListStore.open(listPath);
    this.#list = list;
    return list;
  }

  refreshStatus(): void {
    if (!this.#list) return;
    const info = this.#list.info();
    this.#listExpiresAt = info.expiresAt === null ? null : Date.parse(info.expiresAt);
    this.#clockBounds = clockBoundsOf(info);
    this.#ports.display.showStatus(
      statusLine({
        list: info,
        now: this.#ports.clock.now(),
        link: this.#sync ? this.#sync.link() : 'none',
        readers: this.#ports.reader.health(),
        ...this.#storage?.alarmInput(),
      }),
    );
    this.#storage?.publish();
  }

  /** Idempotent; resolves true on a clean shutdown within the deadline. */
  shutdown(reason: string, deadlineMs = 5000): Promise<boolean> {
    return this.#shutdown.run(reason, deadlineMs);
  }

  #onCard(event: CardEvent): void {
    if (!this.#pipeline || this.#shutdown.started) return;
    try {
      const outcome = this.#pipeline.handle(event);
      this.#lastTapAt = this.#ports.clock.now();
      if (outcome?.record) this.#sync?.recordCommitted();
      if (outcome?.held) this.#storage?.publish();
    } catch (err) {
      // A bug in one tap must not take the validator off the bus.
      this.#log.error({ err, reader: event.reader }, 'tap failed');
    }
  }

  #onHealth(h: ReaderHealth, log: Logger): void {
    const fields = { reader: h.reader, name: h.name, state: h.state, detail: h.detail };
    if (h.state === 'connected') log.info(fields, 'reader health');
    else log.warn(fields, 'reader health');
    this.refreshStatus();
  }
}
