import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigSchema } from '../../../device/config/schema.js';
import { silentLogger } from '../../../device/log/logger.js';
import { backoffDelay, busClientOptions, connectBus, keepReconnecting } from '../../../sync/bus/connect.js';
import { offlineWill } from '../../../sync/messages.js';
import { TEST_TRUST } from '../../helpers/pinned-key.js';
import { FakeMqtt } from './record-fake-mqtt.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  vi.useRealTimers();
});

function pemDir() {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-connect-'));
  dirs.push(dir);
  for (const f of ['ca.crt', 'bus.crt', 'bus.key']) writeFileSync(join(dir, f), `-----${f}-----\n`);
  return dir;
}

const config = (mqtt: Record<string, unknown> = {}) =>
  ConfigSchema.parse({
    vehicle: { id: 'bus-101', operator: 'matsue-city' },
    mqtt: { url: 'mqtts://broker:8883', ...mqtt },
    trust: TEST_TRUST,
  });

describe('the bus MQTT client', () => {
  it('keeps a persistent MQTT 5 session under a fixed client id, with TLS and the offline will', () => {
    const dir = pemDir();
    const o = busClientOptions(
      config({ ca: join(dir, 'ca.crt'), cert: join(dir, 'bus.crt'), key: join(dir, 'bus.key') }),
    );
    expect(o).toMatchObject({
      protocolVersion: 5,
      clientId: 'teiki-bus-bus-101',
      clean: false,
      properties: { sessionExpiryInterval: 604_800 },
      reconnectPeriod: 0,
      rejectUnauthorized: true,
      will: offlineWill('bus-101'),
    });
    expect(String(o.ca)).toBe('-----ca.crt-----\n');
    expect(busClientOptions(config({ client_id: 'validator-7' })).clientId).toBe('validator-7');
  });

  it('names the option and the file it cannot read', () => {
    expect(() => busClientOptions(config({ ca: '/nonexistent/ca.crt' }))).toThrow(
      'cannot read mqtt.ca file /nonexistent/ca.crt (ENOENT)',
    );
    const dir = pemDir();
    expect(() => busClientOptions(config({ cert: join(dir, 'bus.crt') }))).toThrow(/go together/);
    expect(() =>
      connectBus(ConfigSchema.parse({ vehicle: { id: 'bus-101', operator: 'x' } }), silentLogger()),
    ).toThrow(/mqtt.url is not set/);
  });

  it('backs off from the first delay, doubling, up to the cap', () => {
    const delays = [0, 1, 2, 3, 4, 10, 40].map((n) =>
      backoffDelay(n, { minMs: 1000, maxMs: 30_000, random: () => 0 }),
    );
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffDelay(10, { minMs: 1000, maxMs: 30_000, random: () => 1 })).toBe(24_000);
  });

  it('reconnects after a cut with its own stores, never after end()', () => {
    vi.useFakeTimers();
    const mqtt = Object.assign(new FakeMqtt(), {
      disconnecting: false,
      incomingStore: { name: 'in' },
      outgoingStore: { name: 'out' },
      reconnects: [] as unknown[],
      reconnect(opts: unknown) {
        this.reconnects.push(opts);
        return this;
      },
    });
    keepReconnecting(mqtt.asClient(), { minMs: 100, maxMs: 400, random: () => 0 }, silentLogger());
    mqtt.drop();
    vi.advanceTimersByTime(99);
    expect(mqtt.reconnects).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(mqtt.reconnects).toEqual([
      { incomingStore: mqtt.incomingStore, outgoingStore: mqtt.outgoingStore },
    ]);
    mqtt.drop(); // the attempt failed: twice as long
    vi.advanceTimersByTime(199);
    expect(mqtt.reconnects).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(mqtt.reconnects).toHaveLength(2);
    mqtt.bringUp(); // success resets the delay
    mqtt.drop();
    vi.advanceTimersByTime(100);
    expect(mqtt.reconnects).toHaveLength(3);
    mqtt.drop();
    mqtt.emit('end');
    vi.advanceTimersByTime(10_000);
    expect(mqtt.reconnects).toHaveLength(3);
  });

  it('creates the client with an error listener, so a broker error never crashes the bus', () => {
    let made: FakeMqtt | null = null;
    const connect = (_url: string, _o: IClientOptions) => {
      made = new FakeMqtt();
      return made.asClient();
    };
    connectBus(config(), silentLogger(), { connect });
    expect(made!.listenerCount('error')).toBeGreaterThan(0);
    expect(() => made!.emit('error', new Error('connect ECONNREFUSED'))).not.toThrow();
  });
});
