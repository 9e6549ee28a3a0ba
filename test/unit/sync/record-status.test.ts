import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../device/log/logger.js';
import { ListStore } from '../../../device/store/list-store.js';
import { RecordStore } from '../../../device/store/record-store.js';
import { FakeClock } from '../../../simulator/fakes/fake-clock.js';
import { statusFacts } from '../../../sync/bus/status-facts.js';
import { type StatusFacts, StatusPublisher } from '../../../sync/bus/status-publisher.js';
import { parseStatus } from '../../../sync/messages.js';
import { StatusSchema } from '../../../sync/schemas/status.js';
import { topics } from '../../../sync/topics.js';
import { FakeMqtt, settle } from './record-fake-mqtt.js';

const TOPIC = topics.status('bus-101');
const facts: StatusFacts = {
  list_version: 12,
  list_expires_at: '2026-04-03T00:00:00.000Z',
  list_applied_at: '2026-04-01T17:30:00.000Z',
  network_version: 'gtfs-2026-04',
  pending_records: 3,
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  vi.useRealTimers();
});

function setup(f: () => StatusFacts = () => facts, everyMs = 60_000) {
  const mqtt = new FakeMqtt();
  const clock = new FakeClock('2026-04-02T07:00:00+09:00');
  const publisher = new StatusPublisher({
    client: mqtt.asClient(),
    vehicleId: 'bus-101',
    facts: f,
    clock,
    logger: silentLogger(),
    everyMs,
  });
  cleanups.push(() => publisher.stop());
  const statuses = () =>
    mqtt.published
      .filter((p) => p.topic === TOPIC)
      .map((p) => ({ ...parseStatus(p.payload), retain: p.opts.retain }));
  return { mqtt, clock, publisher, statuses };
}

describe('StatusPublisher', () => {
  it('publishes a retained online status on every connect', async () => {
    const { mqtt, publisher, statuses } = setup();
    publisher.start();
    expect(await publisher.publishNow()).toBe(false); // offline: nothing queued in memory
    mqtt.bringUp();
    await settle();
    mqtt.drop();
    mqtt.bringUp();
    await settle();
    expect(statuses()).toEqual([
      {
        type: 'status',
        vehicle: 'bus-101',
        state: 'online',
        at: '2026-04-01T22:00:00.000Z',
        ...facts,
        retain: true,
      },
      {
        type: 'status',
        vehicle: 'bus-101',
        state: 'online',
        at: '2026-04-01T22:00:00.000Z',
        ...facts,
        retain: true,
      },
    ]);
    expect(publisher.lastPublishedAt).not.toBeNull();
  });

  it('republishes periodically with fresh facts', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let pending = 0;
    const { mqtt, publisher, statuses } = setup(() => ({ ...facts, pending_records: ++pending }), 1000);
    mqtt.connected = true;
    publisher.start();
    vi.advanceTimersByTime(2000);
    await settle();
    expect(statuses().map((s) => (s.state === 'online' ? s.pending_records : null))).toEqual([1, 2, 3]);
  });

  it('keeps the last good status when the facts break the schema', async () => {
    const { mqtt, publisher, statuses } = setup(() => ({ ...facts, list_version: 0 }));
    mqtt.connected = true;
    publisher.start();
    expect(await publisher.publishNow()).toBe(false);
    expect(statuses()).toEqual([]);
  });

  it('says offline, with its time, on a graceful stop, once', async () => {
    const { mqtt, publisher, statuses } = setup();
    mqtt.bringUp();
    publisher.start();
    await publisher.stop({ offline: true });
    await publisher.stop({ offline: true });
    expect(statuses().map((s) => [s.state, s.at])).toEqual([
      ['online', '2026-04-01T22:00:00.000Z'],
      ['offline', '2026-04-01T22:00:00.000Z'],
    ]);
    mqtt.drop();
    mqtt.bringUp();
    await settle();
    expect(statuses()).toHaveLength(2);
  });

  it('does not hang a shutdown on a broker that never answers', async () => {
    const { mqtt, publisher } = setup();
    mqtt.connected = true;
    mqtt.publish = function (this: FakeMqtt) {
      return this;
    };
    const started = Date.now();
    await publisher.stop({ offline: true, timeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('statusFacts', () => {
  it('reads the list in force and the outbox', () => {
    const list = ListStore.open(':memory:');
    const records = RecordStore.open(':memory:', 'bus-101');
    cleanups.push(
      () => list.close(),
      () => records.close(),
    );
    expect(statusFacts({ list, records, rejected: () => ({ gap: 2 }), softwareVersion: '0.1.0' })).toEqual({
      list_version: null,
      list_expires_at: null,
      list_applied_at: null,
      network_version: null,
      pending_records: 0,
      software_version: '0.1.0',
      rejected: { gap: 2 },
    });
    expect(statusFacts({ list, records })).not.toHaveProperty('rejected');
  });

  it('says when records cannot be written on the bus, and how many are held in memory (issue 12)', () => {
    const list = ListStore.open(':memory:');
    cleanups.push(() => list.close());
    const records = {
      pendingCount: () => 3,
      status: () => ({ storage: 'read_only' as const, pendingInMemory: 7 }),
    };
    const facts = statusFacts({ list, records });
    expect(facts).toMatchObject({ pending_records: 3, records_storage: 'read_only', records_in_memory: 7 });
    expect(
      StatusSchema.parse({
        type: 'status',
        vehicle: 'bus-101',
        state: 'online',
        at: new Date(0).toISOString(),
        ...facts,
      }),
    ).toMatchObject({ records_storage: 'read_only' });
    const fine = statusFacts({
      list,
      records: { ...records, status: () => ({ storage: 'ok' as const, pendingInMemory: 0 }) },
    });
    expect(fine).not.toHaveProperty('records_storage');
  });
});
