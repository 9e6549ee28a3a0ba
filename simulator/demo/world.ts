/**
 * Everything the demo brings up, and takes down again: a temp directory, the embedded broker, the
 * depot (keys, publisher, collector) and the two buses. Teardown runs whatever happened before it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import type { Clock } from '../../hardware/ports/clock.js';
import { type DemoBus as Bus, DemoBus, type LogLine } from './bus.js';
import { DemoDepot } from './depot.js';
import type { BusHardware } from './hardware.js';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt5-bridge.js';
import type { BusKey } from './script.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const DATA = join(ROOT, 'simulator/data');
export const NETWORK_DIR = join(DATA, 'gtfs-matsue');
export const SAMPLE_PASSES = join(DATA, 'passes-sample.csv');

export const BUSES: Record<BusKey, { vehicleId: string; operator: string; title: string }> = {
  city: { vehicleId: 'bus-101', operator: 'matsue-city', title: '松江市交通局 bus-101' },
  ichibata: { vehicleId: 'ib-205', operator: 'ichibata', title: '一畑バス ib-205' },
};

export interface World {
  readonly dir: string;
  readonly broker: EmbeddedBroker;
  readonly depot: DemoDepot;
  readonly buses: Record<BusKey, Bus>;
  readonly problems: Array<{ source: string; line: LogLine }>;
}

export interface WorldOptions {
  readonly clock: Clock;
  readonly hardware: Record<BusKey, (clock: Clock) => Promise<BusHardware> | BusHardware>;
  readonly onProblem?: (source: string, line: LogLine) => void;
}

/** Builds step by step; `teardown` undoes exactly what was built, also after a failure. */
export class WorldBuilder {
  readonly #o: WorldOptions;
  readonly dir = mkdtempSync(join(tmpdir(), 'teiki-demo-'));
  readonly problems: Array<{ source: string; line: LogLine }> = [];
  broker: EmbeddedBroker | null = null;
  depot: DemoDepot | null = null;
  readonly buses: Partial<Record<BusKey, Bus>> = {};
  readonly #hardware: BusHardware[] = [];
  #teardown: Promise<boolean> | null = null;

  constructor(o: WorldOptions) {
    this.#o = o;
  }

  #problem = (source: string, line: LogLine): void => {
    this.problems.push({ source, line });
    this.#o.onProblem?.(source, line);
  };

  async startBrokerAndDepot(): Promise<void> {
    this.broker = await startEmbeddedBroker();
    const sink = {
      write: (text: string) => {
        for (const raw of text.split('\n')) {
          if (!raw) continue;
          try {
            const line = JSON.parse(raw) as LogLine;
            if (line.level === 'warn' || line.level === 'error' || line.level === 'fatal')
              this.#problem('depot', line);
          } catch {}
        }
      },
    };
    const logger = pino(
      { level: 'info', base: { app: 'teiki-depot' }, formatters: { level: (label) => ({ level: label }) } },
      sink,
    );
    this.depot = new DemoDepot({
      dir: join(this.dir, 'depot'),
      brokerUrl: this.broker.url,
      networkDir: NETWORK_DIR,
      clock: this.#o.clock,
      logger,
    });
    await this.depot.startCollector();
  }

  async startBuses(): Promise<void> {
    const broker = this.broker;
    const depot = this.depot;
    if (!broker || !depot) throw new Error('broker and depot first');
    for (const key of ['city', 'ichibata'] as const) {
      const b = BUSES[key];
      const hardware = await this.#o.hardware[key](this.#o.clock);
      this.#hardware.push(hardware);
      const bus = new DemoBus({
        key,
        ...b,
        dir: join(this.dir, b.vehicleId),
        brokerUrl: broker.url,
        depotPublicKeyPem: depot.publicKeyPem,
        networkDir: NETWORK_DIR,
        clock: this.#o.clock,
        hardware,
        onProblem: this.#problem,
      });
      this.buses[key] = bus;
      await bus.start();
    }
  }

  world(): World {
    const { broker, depot } = this;
    const city = this.buses.city;
    const ichibata = this.buses.ichibata;
    if (!broker || !depot || !city || !ichibata) throw new Error('the demo world is not complete');
    return { dir: this.dir, broker, depot, buses: { city, ichibata }, problems: this.problems };
  }

  /** Buses (their daemons' shutdown path), hardware, collector, broker, temp dir. Idempotent. */
  teardown(): Promise<boolean> {
    this.#teardown ??= this.#teardownOnce();
    return this.#teardown;
  }

  async #teardownOnce(): Promise<boolean> {
    let clean = true;
    for (const bus of Object.values(this.buses)) {
      clean = (await bus.stop().catch(() => false)) && clean;
    }
    for (const hw of this.#hardware) await hw.close().catch(() => undefined);
    await this.depot?.close().catch(() => undefined);
    await this.broker?.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    return clean;
  }
}

/** Polls until `probe` is true; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
