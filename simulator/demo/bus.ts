/**
 * One demo bus: the real daemon (device/daemon/daemon.ts) with its real stores in a temp data
 * dir, the real bus sync (sync/bus/bus-sync.ts) to the embedded broker, and the hardware of
 * hardware.ts. The network is imported on the bus as `teiki network import` does (lists carry
 * passes; the GTFS feed travels with the software). The daemon's JSON log goes to a sink: the
 * `tap` lines (written after each record is committed) are what the demo counts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { type Config, ConfigSchema } from '../../device/config/schema.js';
import { Daemon } from '../../device/daemon/daemon.js';
import { importNetworkDir } from '../../device/imports/network-import.js';
import { createLogger, type Logger } from '../../device/log/logger.js';
import { ListStore } from '../../device/store/list-store.js';
import type { ReaderRole } from '../../hardware/ports/card-reader.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { createBusSync } from '../../sync/bus/bus-sync.js';
import type { BusHardware } from './hardware.js';
import type { BusKey } from './script.js';

export interface TapLine {
  readonly verdict: string;
  readonly reason: string;
  readonly reader: ReaderRole;
  readonly pass_id: string | null;
  readonly fare: number | null;
  readonly excess: number | null;
  readonly seq?: number;
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [k: string]: unknown;
}

export interface DemoBusOptions {
  readonly key: BusKey;
  readonly vehicleId: string;
  readonly operator: string;
  /** Japanese title of the driver's screen, e.g. 松江市交通局 81系統. */
  readonly title: string;
  readonly dir: string;
  readonly brokerUrl: string;
  readonly depotPublicKeyPem: string;
  readonly networkDir: string;
  readonly clock: Clock;
  readonly hardware: BusHardware;
  /** Warnings and errors of the daemon (shown with --verbose, counted in the summary). */
  readonly onProblem: (bus: string, line: LogLine) => void;
}

export class DemoBus {
  readonly o: DemoBusOptions;
  readonly config: Config;
  readonly taps: TapLine[] = [];
  #daemon: Daemon | null = null;
  #logger: Logger;
  #tapWaiters: Array<() => void> = [];
  #stopped = false;

  constructor(o: DemoBusOptions) {
    this.o = o;
    this.config = ConfigSchema.parse({
      vehicle: { id: o.vehicleId, operator: o.operator },
      data_dir: join(o.dir, 'data'),
      mqtt: { url: o.brokerUrl, reconnect_min_ms: 200, reconnect_max_ms: 2000 },
      trust: { depot_public_keys: [o.depotPublicKeyPem] },
      rules: { routes_without_passes: ['lake'] },
      sync: { upload_every_s: 1, ack_timeout_s: 5 },
      log: { level: 'info' },
    });
    const sink: DestinationStream = { write: (line: string) => this.#onLog(line) };
    this.#logger = createLogger('info', sink);
  }

  get id(): string {
    return this.o.vehicleId;
  }

  async start(): Promise<void> {
    const c = this.config;
    mkdirSync(c.data_dir, { recursive: true, mode: 0o700 });
    const list = ListStore.open(join(c.data_dir, 'list.sqlite'));
    try {
      await importNetworkDir(list, this.o.networkDir);
    } finally {
      list.close();
    }
    const hw = this.o.hardware;
    this.#daemon = new Daemon(
      c,
      {
        reader: hw.reader,
        display: hw.display,
        signal: hw.display,
        stopSource: hw.stopSource,
        clock: this.o.clock,
        sync: createBusSync(c, this.#logger, this.o.clock, {
          stateFile: false,
          // The script's clock jumps between scenes: that is the morning passing, not a clock step.
          monotonic: () => this.o.clock.now(),
        }),
      },
      this.#logger,
    );
    await this.#daemon.start();
  }

  /** The pass-list version in force (null before the first snapshot is applied). */
  listVersion(): number | null {
    return this.#daemon?.listStore?.info().version ?? null;
  }

  online(): boolean {
    return this.#daemon?.syncLink?.link() === 'online';
  }

  /** Records not yet acknowledged by the depot. */
  pendingRecords(): number {
    return this.#daemon?.recordStore?.pendingCount() ?? 0;
  }

  refreshStatus(): void {
    this.#daemon?.refreshStatus();
  }

  async arrive(route: string, stop: string, trip?: string): Promise<void> {
    await this.o.hardware.arrive(route, stop, trip);
  }

  /** Presents a card and resolves with the daemon's `tap` log line (the record is committed). */
  async tap(idm: string, reader: ReaderRole, timeoutMs = 10_000): Promise<TapLine> {
    const before = this.taps.length;
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#tapWaiters = this.#tapWaiters.filter((w) => w !== check);
        reject(new Error(`${this.id}: no verdict within ${timeoutMs} ms for a ${reader} tap`));
      }, timeoutMs);
      const check = () => {
        if (this.taps.length > before) {
          clearTimeout(timer);
          this.#tapWaiters = this.#tapWaiters.filter((w) => w !== check);
          resolve();
        }
      };
      this.#tapWaiters.push(check);
    });
    await this.o.hardware.present(idm, reader);
    for (const w of [...this.#tapWaiters]) w();
    await arrived;
    return this.taps[before] as TapLine;
  }

  /** The daemon's one shutdown path: reader, stop source, sync ("offline" status), stores. */
  async stop(): Promise<boolean> {
    if (this.#stopped || !this.#daemon) return true;
    this.#stopped = true;
    const clean = await this.#daemon.shutdown('demo over', 8000);
    this.#logger.flush();
    return clean;
  }

  #onLog(text: string): void {
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        continue;
      }
      if (line.msg === 'tap') {
        this.taps.push(line as unknown as TapLine);
        for (const w of [...this.#tapWaiters]) w();
      } else if (line.level === 'warn' || line.level === 'error' || line.level === 'fatal') {
        this.o.onProblem(this.id, line);
      }
    }
  }
}
