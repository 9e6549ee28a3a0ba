/**
 * A bus and a depot around a real mosquitto (TLS, client certificates, the sync ACL) for the
 * list-sync integration tests. The bus is what the daemon will wire: its own ListStore connection
 * (taps read through it), a persistent MQTT 5 session, and ListSync with its worker on the same
 * list file. The depot publishes in-process through sync/depot (the CLI runs in list-sync-cli).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { expect, vi } from 'vitest';
import { DEFAULT_RULE_SETTINGS } from '../../device/config/rules-schema.js';
import { importNetworkDir } from '../../device/imports/network-import.js';
import { createLogger, type LogLevel, silentLogger } from '../../device/log/logger.js';
import { evaluateTap } from '../../device/pipeline/evaluate.js';
import type { Decision } from '../../device/rules/types.js';
import { ListStore } from '../../device/store/list-store.js';
import { ListSync } from '../../sync/bus/list-sync.js';
import type { ListApplied, ListSyncSettings } from '../../sync/bus/list-sync-types.js';
import { DepotState } from '../../sync/depot/depot-state.js';
import {
  DEFAULT_PUBLISH_SETTINGS,
  type PublishContext,
  type PublishSettings,
} from '../../sync/depot/publish-context.js';
import { connectMqtt, type Mosquitto } from '../helpers/mosquitto.js';
import { HEADER } from '../unit/sync/depot-fixtures.js';

export const SAMPLE_GTFS = resolve(import.meta.dirname, '../../simulator/data/gtfs-matsue');
/** A weekday in the passes' validity, at Matsue station on route 81 (sample network). */
export const TAP_AT = Date.parse('2026-04-15T08:00:00+09:00');
const STOP = { route_id: '81', stop_id: 'matsue-sta', at: TAP_AT };
export const SESSION = { sessionExpiryInterval: 3600 };

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A sales export (HEADER, then `lines`) at dir/name, for publishExport; returns its path. */
export function writeExport(dir: string, name: string, lines: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${[HEADER, ...lines].join('\n')}\n`);
  return file;
}

export function depotKeys(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export interface TestBus {
  readonly store: ListStore;
  readonly sync: ListSync;
  readonly client: MqttClient;
  readonly applied: ListApplied[];
  tap(idm: string): Decision;
  waitVersion(version: number, timeoutMs?: number): Promise<void>;
  /** Ends sync and the MQTT connection (the session stays on the broker); the store stays open. */
  goOffline(): Promise<void>;
  /** Comes back with the same client id: the broker hands over the session and its queue. */
  comeBack(settings?: Partial<ListSyncSettings>): Promise<void>;
  close(): Promise<void>;
}

export async function connectBusClient(broker: Mosquitto, vehicle: string): Promise<MqttClient> {
  return connectMqtt(broker.url, {
    ...broker.tlsOptions(broker.certs!.bus(vehicle)),
    clientId: `teiki-bus-${vehicle}`,
    clean: false,
    properties: SESSION,
  });
}

export async function startBus(
  broker: Mosquitto,
  o: { vehicle: string; dir: string; keys: readonly string[]; settings?: Partial<ListSyncSettings> },
): Promise<TestBus> {
  const listPath = join(o.dir, 'list.sqlite');
  const store = ListStore.open(listPath);
  await importNetworkDir(store, SAMPLE_GTFS);
  let settings = o.settings;
  const applied: ListApplied[] = [];
  let client = await connectBusClient(broker, o.vehicle);
  let sync = makeSync();
  await sync.start();

  function makeSync(): ListSync {
    return new ListSync({
      client,
      listPath,
      vehicle: o.vehicle,
      pinnedKeys: o.keys,
      clock: { now: () => Date.now() },
      // TEIKI_TEST_LOG=debug shows the bus's sync log on stderr.
      logger: process.env.TEIKI_TEST_LOG
        ? createLogger(process.env.TEIKI_TEST_LOG as LogLevel, pino.destination(2))
        : silentLogger(),
      onApplied: (e) => applied.push(e),
      settings,
    });
  }

  const bus: TestBus = {
    store,
    get sync() {
      return sync;
    },
    get client() {
      return client;
    },
    applied,
    tap: (idm) =>
      evaluateTap(
        {
          operator: 'matsue-city',
          settings: DEFAULT_RULE_SETTINGS,
          lookup: (i) => store.lookup(i),
          network: store.network,
        },
        idm,
        'boarding',
        TAP_AT,
        STOP,
        null,
        false,
      ),
    async waitVersion(version, timeoutMs = 15_000) {
      // The worker commits first and reports after: wait for both.
      await vi.waitFor(
        () => {
          expect(store.info().version).toBe(version);
          expect(applied.at(-1)?.version).toBe(version);
        },
        { timeout: timeoutMs, interval: 20 },
      );
    },
    async goOffline() {
      await sync.stop();
      await client.endAsync(true);
    },
    async comeBack(more) {
      client = await connectBusClient(broker, o.vehicle);
      settings = { ...settings, ...more };
      sync = makeSync();
      await sync.start();
    },
    close: async () => {
      await sync.stop();
      await client.endAsync(true).catch(() => undefined);
      store.close();
    },
  };
  return bus;
}

export interface TestDepot {
  readonly ctx: PublishContext;
  readonly client: MqttClient;
  close(): Promise<void>;
}

export async function startDepot(
  broker: Mosquitto,
  o: { dir: string; key: KeyObject; settings?: Partial<PublishSettings> },
): Promise<TestDepot> {
  const client = await connectMqtt(broker.url, {
    ...broker.tlsOptions(broker.certs!.depot),
    clientId: `depot-${Date.now()}`,
  });
  const state = DepotState.open(join(o.dir, 'depot-state'));
  const ctx: PublishContext = {
    state,
    client,
    privateKey: o.key,
    clock: { now: () => Date.now() },
    settings: { ...DEFAULT_PUBLISH_SETTINGS, ...o.settings },
  };
  return {
    ctx,
    client,
    close: async () => {
      state.close();
      await client.endAsync(true).catch(() => undefined);
    },
  };
}
