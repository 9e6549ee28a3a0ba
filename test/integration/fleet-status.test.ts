import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../device/config/schema.js';
import { silentLogger } from '../../device/log/logger.js';
import { connectBus } from '../../sync/bus/connect.js';
import { StatusPublisher } from '../../sync/bus/status-publisher.js';
import { endQuietly } from '../../sync/depot/collector-mqtt.js';
import { type FleetRow, fleetRows, formatFleetTable } from '../../sync/depot/fleet.js';
import { encodeStatus } from '../../sync/messages.js';
import { topics } from '../../sync/topics.js';
import { runTeiki } from '../helpers/cli.js';
import { connectMqtt, type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { TEST_TRUST } from '../helpers/pinned-key.js';
import { depotTlsArgs, eventually } from './records-fixture.js';

/** `teiki depot fleet` reads the retained statuses: online, offline (graceful or last will), broken. */
const logger = silentLogger();
const clock = { now: () => Date.now() };
const HOUR = 3_600_000;
let broker: Mosquitto;

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101', 'bus-102', 'bus-103', 'bus-104'] });
});
afterAll(async () => {
  await broker?.dispose();
});

function bus(vehicle: string) {
  const id = broker.certs!.bus(vehicle);
  const config = ConfigSchema.parse({
    vehicle: { id: vehicle, operator: 'matsue-city' },
    mqtt: { url: broker.url, ca: id.ca, cert: id.cert, key: id.key },
    trust: TEST_TRUST,
  });
  const client = connectBus(config, logger);
  const status = new StatusPublisher({
    client,
    vehicleId: vehicle,
    facts: () => ({
      list_version: 12,
      list_expires_at: new Date(clock.now() + 24 * HOUR).toISOString(),
      list_applied_at: new Date(clock.now() - 2 * HOUR).toISOString(),
      network_version: 'gtfs-2026-04',
      pending_records: 17,
      software_version: '0.9.1',
      rejected: { bad_signature: 1 },
    }),
    clock,
    logger,
    everyMs: 60_000,
  });
  status.start();
  return { client, status };
}

describe('teiki depot fleet', () => {
  it('shows each bus online, offline or unreadable, as JSON and as a table', async () => {
    const online = bus('bus-101');
    const graceful = bus('bus-102');
    const killed = bus('bus-104');
    await eventually(
      () => [online, graceful, killed].every((b) => b.status.lastPublishedAt !== null),
      'three online statuses',
    );
    await graceful.status.stop({ offline: true });
    await endQuietly(graceful.client);
    // No DISCONNECT: the broker publishes the last will, as for a bus losing power.
    killed.client.end(true);
    const garbage = await connectMqtt(broker.url, { ...broker.tlsOptions(broker.certs!.bus('bus-103')) });
    await garbage.publishAsync(topics.status('bus-103'), Buffer.from('{"type":"status"'), {
      qos: 1,
      retain: true,
    });
    await garbage.endAsync();

    try {
      const [json, table] = await Promise.all([
        runTeiki(['depot', 'fleet', ...depotTlsArgs(broker), '--json']),
        runTeiki(['depot', 'fleet', ...depotTlsArgs(broker)]),
      ]);
      expect(json.code, json.stderr).toBe(0);
      const rows = JSON.parse(json.stdout) as FleetRow[];
      expect(rows.map((r) => [r.vehicle, r.state])).toEqual([
        ['bus-101', 'online'],
        ['bus-102', 'offline'],
        ['bus-103', 'invalid'],
        ['bus-104', 'offline'],
      ]);
      expect(rows[0]).toMatchObject({
        list_version: 12,
        pending_records: 17,
        network_version: 'gtfs-2026-04',
        software_version: '0.9.1',
        stale: false,
        rejected: 1,
      });
      expect(rows[0]!.list_age_s).toBeGreaterThanOrEqual(7199);
      expect(rows[0]!.last_seen_age_s).toBeLessThan(30);
      expect(rows[1]!.last_seen).not.toBeNull();
      expect(rows[2]!.error).toMatch(/not JSON/);
      expect(rows[3]!.last_seen).toBeNull();

      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(
        /^VEHICLE\s+STATE\s+LIST\s+LIST AGE\s+PENDING\s+LAST SEEN\s+REFUSED\s+SOFTWARE$/m,
      );
      expect(table.stdout).toMatch(/^bus-101\s+online\s+v12\s+2h\s+17\s+\S+ \(\d+s ago\)\s+1\s+0\.9\.1$/m);
      expect(table.stdout).toMatch(/^bus-104\s+offline\s+-\s+-\s+-\s+-\s+0\s+-$/m);
      expect(table.stdout).toMatch(/1 of 4 buses online/);
    } finally {
      await online.status.stop();
      await endQuietly(online.client);
    }
  });

  it('says so when the broker cannot be reached', async () => {
    const r = await runTeiki(['depot', 'fleet', '--mqtt', 'mqtts://127.0.0.1:1', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^teiki: cannot connect to mqtts:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
  });
});

describe('fleet rows', () => {
  const now = Date.parse('2026-04-01T03:00:00Z');
  const status = (vehicle: string, at: string) =>
    encodeStatus({
      type: 'status',
      vehicle,
      state: 'online',
      at,
      list_version: 3,
      list_expires_at: null,
      list_applied_at: '2026-03-31T17:30:00Z',
      network_version: null,
      pending_records: 0,
    });

  it('flags an online status older than the stale limit, and a status naming another bus', () => {
    const rows = fleetRows(
      new Map([
        ['bus-1', status('bus-1', '2026-04-01T02:59:30Z')],
        ['bus-2', status('bus-2', '2026-04-01T02:00:00Z')],
        ['bus-3', status('bus-9', '2026-04-01T02:59:30Z')],
      ]),
      now,
      300_000,
    );
    expect(rows.map((r) => [r.vehicle, r.state, r.stale])).toEqual([
      ['bus-1', 'online', false],
      ['bus-2', 'online', true],
      ['bus-3', 'invalid', false],
    ]);
    expect(rows[0]).toMatchObject({ list_age_s: 34_200, last_seen_age_s: 30 });
    // A bus older than issue 11 sends no software_version: the row says null, the table "-".
    expect(rows[0]!.software_version).toBeNull();
    expect(formatFleetTable(rows)).toMatch(
      /^bus-2\s+online \(stale\)\s+v3\s+10h\s+0\s+2026-04-01T02:00:00Z \(60m ago\)/m,
    );
    expect(formatFleetTable([])).toBe('no bus has published a status yet\n');
  });
});
