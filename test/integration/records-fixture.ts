/**
 * Fixtures of the records flow: a bus outbox filled in one transaction (RecordStore.commitTap
 * fsyncs every tap, ~3 ms each, far too slow for 100,000 records), and configs that point a bus
 * or the depot at a test broker.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { type Config, ConfigSchema } from '../../device/config/schema.js';
import { RecordStore } from '../../device/store/record-store.js';
import type { Mosquitto } from '../helpers/mosquitto.js';
import { TEST_TRUST } from '../helpers/pinned-key.js';

export const IDMS = ['0114b3a1c2d3e4f5', '0114b3a1c2d3e504', '012e4cd8a9b70011'];

/** Appends `count` pending records of `vehicle` to the records database at `path` (seq continues). */
export function seedRecords(
  path: string,
  vehicle: string,
  count: number,
  atStart = Date.UTC(2026, 3, 1),
): void {
  RecordStore.open(path, vehicle).close(); // creates the schema
  const db = new Database(path);
  try {
    db.pragma('synchronous = OFF');
    const key = `seq:${vehicle}`;
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    const first = Number(row?.value ?? 0) + 1;
    const insert = db.prepare(
      `INSERT INTO records (event_id, vehicle_id, seq, at, idm, reader, route, trip, stop, verdict, reason,
         pass_id, fare, excess, tap_on_event_id, uploaded_at)
       VALUES (?, ?, ?, ?, ?, ?, '81', 'T81-0712', ?, ?, ?, ?, ?, ?, ?, NULL)`,
    );
    db.transaction(() => {
      for (let seq = first; seq < first + count; seq++) {
        const on = seq % 2 === 1;
        insert.run(
          randomUUID(),
          vehicle,
          seq,
          atStart + seq * 1000,
          IDMS[seq % IDMS.length],
          on ? 'boarding' : 'alighting',
          on ? 'matsue-sta' : 'kencho-mae',
          on || seq % 10 !== 0 ? 'accept' : 'excess',
          on || seq % 10 !== 0 ? 'ok' : 'excess_fare',
          `P${seq % 97}`,
          on ? null : 240,
          on || seq % 10 !== 0 ? null : 60,
          null,
        );
      }
      db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ).run(key, String(first + count - 1));
    })();
  } finally {
    db.close();
  }
}

/** A bus config for `vehicle` on the TLS broker (schema defaults filled in), with `sync` overrides. */
export function busConfig(
  broker: Mosquitto,
  vehicle: string,
  dataDir: string,
  over: { mqtt?: Record<string, unknown>; sync?: Record<string, unknown> } = {},
): Config {
  const id = broker.certs!.bus(vehicle);
  return ConfigSchema.parse({
    vehicle: { id: vehicle, operator: 'matsue-city' },
    data_dir: dataDir,
    mqtt: {
      url: broker.url,
      ca: id.ca,
      cert: id.cert,
      key: id.key,
      reconnect_min_ms: 100,
      reconnect_max_ms: 1000,
      ...over.mqtt,
    },
    sync: over.sync ?? {},
    trust: TEST_TRUST,
  });
}

/** CLI arguments naming the depot's TLS identity. */
export function depotTlsArgs(broker: Mosquitto): string[] {
  const d = broker.certs!.depot;
  return ['--mqtt', broker.url, '--ca', d.ca, '--tls-cert', d.cert, '--tls-key', d.key];
}

/** Polls `test` every 50 ms until true, or throws `what` after `ms`. */
export async function eventually(test: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
