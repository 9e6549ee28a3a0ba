import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChunkCollector } from '../../sync/chunk-collector.js';
import {
  encodeDelta,
  encodeManifest,
  encodeRecords,
  encodeStatus,
  offlineWill,
  openDelta,
  openManifest,
  parseStatus,
} from '../../sync/messages.js';
import type { Delta } from '../../sync/schemas/delta.js';
import type { SnapshotEntry } from '../../sync/schemas/entries.js';
import type { Manifest } from '../../sync/schemas/manifest.js';
import { pinKeys } from '../../sync/signing.js';
import { packSnapshotToMemory } from '../../sync/snapshot.js';
import { unpackSnapshot } from '../../sync/snapshot-unpack.js';
import { topics } from '../../sync/topics.js';
import { judgeDelta, judgeSnapshot } from '../../sync/version-guard.js';
import { connectMqtt, type Mosquitto, startMosquitto, type TlsIdentity } from '../helpers/mosquitto.js';
import { DAY, entries, wireRecord } from '../unit/sync/fixtures.js';

/**
 * Sync over a real mosquitto with TLS client certificates and the sync ACL: what the broker
 * enforces (identity, topic rights, retained messages, persistent sessions, last will) is tested
 * against the broker itself, not a fake.
 */
const depotKeys = generateKeyPairSync('ed25519');
const pinned = pinKeys([depotKeys.publicKey]);
const SESSION = { sessionExpiryInterval: 7 * 24 * 3600 };

let broker: Mosquitto;
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101', 'bus-102'] });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
});

afterAll(async () => {
  await broker?.dispose();
});

async function client(identity: TlsIdentity, options: IClientOptions = {}) {
  const c = await connectMqtt(broker.url, { ...broker.tlsOptions(identity), ...options });
  clients.push(c);
  return c;
}

/** Resolves with the first message on a topic matching `accept`, or rejects after `ms`. */
function nextMessage(c: MqttClient, accept: (topic: string) => boolean, ms = 10_000) {
  return new Promise<{ topic: string; payload: Buffer; retain: boolean }>((resolve, reject) => {
    const timer = setTimeout(() => {
      c.removeListener('message', onMessage);
      reject(new Error(`no message within ${ms} ms`));
    }, ms);
    const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }) => {
      if (!accept(topic)) return;
      clearTimeout(timer);
      c.removeListener('message', onMessage);
      resolve({ topic, payload, retain: packet.retain });
    };
    c.on('message', onMessage);
  });
}

async function publishSnapshot(depot: MqttClient, version: number, list: SnapshotEntry[]): Promise<Manifest> {
  const now = Date.now();
  const { manifest, chunks } = await packSnapshotToMemory(list, {
    version,
    createdAt: now,
    expiresAt: now + 2 * DAY,
    networkVersion: 'gtfs-test',
    targetChunkBytes: 8 * 1024,
  });
  // Chunks first, manifest last: a bus that sees the manifest finds every chunk retained.
  for (const [i, chunk] of chunks.entries()) {
    await depot.publishAsync(topics.chunk(version, i), chunk, { qos: 1, retain: true });
  }
  await depot.publishAsync(topics.manifest, encodeManifest(manifest, depotKeys.privateKey), {
    qos: 1,
    retain: true,
  });
  return manifest;
}

/** What the bus daemon will do: verify the manifest, fetch the retained chunks, verify, unpack. */
async function receiveSnapshot(bus: MqttClient): Promise<{ manifest: Manifest; list: SnapshotEntry[] }> {
  const announced = nextMessage(bus, (t) => t === topics.manifest);
  await bus.subscribeAsync(topics.manifest, { qos: 1 });
  const { payload: manifest } = openManifest((await announced).payload, pinned);
  const decision = judgeSnapshot({ version: null, source: null }, manifest, Date.now());
  expect(decision).toEqual({ action: 'accept_snapshot', version: manifest.version });

  const collector = new ChunkCollector(manifest);
  const complete = new Promise<void>((resolve, reject) => {
    bus.on('message', (topic, payload) => {
      const prefix = `teiki/v1/list/chunk/${manifest.version}/`;
      if (!topic.startsWith(prefix)) return;
      try {
        collector.accept(Number(topic.slice(prefix.length)), payload);
        if (collector.isComplete()) resolve();
      } catch (err) {
        reject(err);
      }
    });
  });
  await bus.subscribeAsync(topics.chunksOf(manifest.version), { qos: 1 });
  await complete;
  const list: SnapshotEntry[] = [];
  for await (const batch of unpackSnapshot(manifest, collector.chunk, { now: Date.now() }))
    list.push(...batch);
  return { manifest, list };
}

describe('sync over mosquitto with TLS client certificates', () => {
  it('a bus on a persistent session receives and verifies a signed snapshot', async () => {
    const depot = await client(broker.certs!.depot, { clientId: 'teiki-depot' });
    const list = [...entries(3_000, 20)];
    const published = await publishSnapshot(depot, 5, list);
    expect(published.chunk_count).toBeGreaterThan(2);

    const bus = await client(broker.certs!.bus('bus-101'), {
      clientId: 'teiki-bus-bus-101',
      clean: false,
      properties: SESSION,
    });
    const received = await receiveSnapshot(bus);
    expect(received.manifest).toEqual(published);
    expect(received.list).toEqual(list);
  });

  it('a delta published while the bus is away reaches it after a broker restart', async () => {
    const options = { clientId: 'teiki-bus-bus-102', clean: false, properties: SESSION } as const;
    const first = await client(broker.certs!.bus('bus-102'), options);
    await first.subscribeAsync(topics.allDeltas, { qos: 1 });
    await first.endAsync();

    const depot = await client(broker.certs!.depot, { clientId: 'teiki-depot' });
    const now = Date.now();
    const delta: Delta = {
      type: 'delta',
      from_version: 5,
      to_version: 6,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + DAY).toISOString(),
      network_version: null,
      upserts: [{ pass_id: 'P1', status: 'refunded' }],
      removals: [],
      card_changes: [{ idm: '0114b3a1c2d3e4f5', pass_id: 'P2', valid_until: '2026-09-30' }],
    };
    // Not retained: only the persistent session can carry it to the bus.
    await depot.publishAsync(topics.delta(6), encodeDelta(delta, depotKeys.privateKey), { qos: 1 });
    await depot.endAsync();
    await broker.restart();

    const bus = await client(broker.certs!.bus('bus-102'), options);
    const queued = await nextMessage(bus, (t) => t === topics.delta(6));
    const { payload } = openDelta(queued.payload, pinned);
    expect(payload.upserts).toEqual(delta.upserts);
    expect(judgeDelta({ version: 5, source: 'sync' }, payload, Date.now())).toEqual({
      action: 'apply_delta',
      version: 6,
    });
  });

  it('the broker drops a bus publishing to a list topic or to another bus', async () => {
    const depot = await client(broker.certs!.depot, { clientId: 'teiki-depot-watch' });
    const seen: string[] = [];
    depot.on('message', (topic, _payload, packet) => {
      if (!packet.retain) seen.push(topic);
    });
    await depot.subscribeAsync(['teiki/v1/list/#', topics.allRecords], { qos: 1 });

    const bus = await client(broker.certs!.bus('bus-101'), { clientId: 'teiki-bus-bus-101-rogue' });
    const forged = generateKeyPairSync('ed25519');
    const manifest = {
      ...(
        await packSnapshotToMemory([], {
          version: 99,
          createdAt: Date.now(),
          expiresAt: Date.now() + DAY,
          networkVersion: null,
        })
      ).manifest,
    };
    const denied = [topics.manifest, topics.delta(7), topics.chunk(99, 0), topics.records('bus-102')];
    for (const topic of denied) {
      // MQTT 5: mosquitto answers PUBACK "not authorized"; the message goes nowhere either way.
      await bus
        .publishAsync(topic, encodeManifest(manifest, forged.privateKey), { qos: 1 })
        .catch(() => undefined);
    }
    const own = encodeRecords({
      type: 'records',
      vehicle: 'bus-101',
      batch_id: 'b-1',
      sent_at: new Date().toISOString(),
      first_seq: 1,
      last_seq: 1,
      records: [wireRecord(1, { event_id: 'e-1', at: Date.now() })],
    });
    const control = nextMessage(depot, (t) => t === topics.records('bus-101'));
    await bus.publishAsync(topics.records('bus-101'), own, { qos: 1 });
    await control;
    // Same publisher, same QoS: anything let through would have arrived before the control.
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([topics.records('bus-101')]);
  });

  it('refuses a certificate from an unknown CA, and a client without one', async () => {
    // The impostor's CN is a real vehicle id: only the issuer gives it away.
    await expect(
      connectMqtt(broker.url, { ...broker.tlsOptions(broker.certs!.unknown), clientId: 'impostor' }),
    ).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    const { ca } = broker.tlsOptions(broker.certs!.depot);
    await expect(
      connectMqtt(broker.url, { ca, rejectUnauthorized: true, clientId: 'no-cert' }),
    ).rejects.toMatchObject({
      code: expect.stringMatching(
        /^ERR_SSL_TLSV1\d?_ALERT_CERTIFICATE_REQUIRED$|^ERR_SSL_.*HANDSHAKE_FAILURE$/,
      ),
    });
  });

  it('shows a killed bus as offline through its retained last will', async () => {
    const depot = await client(broker.certs!.depot, { clientId: 'teiki-depot-fleet' });
    await depot.subscribeAsync(topics.allStatus, { qos: 1 });
    const online = nextMessage(depot, (t) => t === topics.status('bus-101'));

    const tls = broker.certs!.bus('bus-101');
    const onlineStatus = encodeStatus({
      type: 'status',
      vehicle: 'bus-101',
      state: 'online',
      at: new Date().toISOString(),
      list_version: 5,
      list_expires_at: null,
      list_applied_at: null,
      network_version: null,
      pending_records: 0,
    });
    const will = offlineWill('bus-101');
    // A separate process, killed with SIGKILL: no DISCONNECT, the broker must publish the will.
    const script = `
      import { connect } from 'mqtt';
      import { readFileSync } from 'node:fs';
      const env = JSON.parse(process.env.BUS);
      const c = connect(env.url, {
        clientId: 'teiki-bus-bus-101-process', protocolVersion: 5, reconnectPeriod: 0,
        ca: readFileSync(env.ca), cert: readFileSync(env.cert), key: readFileSync(env.key),
        will: { topic: env.will.topic, payload: Buffer.from(env.will.payload, 'base64'), qos: 1, retain: true },
      });
      c.on('error', (e) => { console.error(e.message); process.exit(2); });
      c.on('connect', () => c.publish(env.statusTopic, Buffer.from(env.online, 'base64'), { qos: 1, retain: true }));
      setInterval(() => {}, 1000);
    `;
    const env = {
      url: broker.url,
      ...tls,
      statusTopic: topics.status('bus-101'),
      online: onlineStatus.toString('base64'),
      will: { topic: will.topic, payload: will.payload.toString('base64') },
    };
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { ...process.env, BUS: JSON.stringify(env) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      expect(parseStatus((await online).payload)).toMatchObject({ state: 'online', list_version: 5 });
      const offline = nextMessage(depot, (t) => t === topics.status('bus-101'));
      child.kill('SIGKILL');
      expect(parseStatus((await offline).payload)).toEqual({
        type: 'status',
        vehicle: 'bus-101',
        state: 'offline',
      });
    } finally {
      child.kill('SIGKILL');
    }

    // Retained: the fleet view of a depot that connects later still shows the bus offline.
    const later = await client(broker.certs!.depot, { clientId: 'teiki-depot-later' });
    const retained = nextMessage(later, (t) => t === topics.status('bus-101'));
    await later.subscribeAsync(topics.status('bus-101'), { qos: 1 });
    const message = await retained;
    expect(message.retain).toBe(true);
    expect(parseStatus(message.payload).state).toBe('offline');
  });

  it('keeps the retained snapshot through a broker SIGKILL and restart', async () => {
    const depot = await client(broker.certs!.depot, { clientId: 'teiki-depot' });
    const list = [...entries(500)];
    const published = await publishSnapshot(depot, 8, list);
    const sent = Date.now();
    await depot.endAsync();
    // The harness autosaves every second; SIGKILL loses anything newer. The margin keeps a save
    // that was already under way when the PUBACK came from counting.
    await broker.saved(sent + 100);
    await broker.restart({ kill: true });

    const bus = await client(broker.certs!.bus('bus-102'), { clientId: 'teiki-bus-bus-102-fresh' });
    const received = await receiveSnapshot(bus);
    expect(received.manifest).toEqual(published);
    expect(received.list).toEqual(list);
  });
});
