import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../device/config/load.js';
import { TEST_TRUST } from '../../helpers/pinned-key.js';

/**
 * Issue 12 point 6: a config that passes validation must be able to run. A vehicle id that cannot
 * be a topic level, a broker URL mqtt.js cannot speak, and a broker with no pinned key each used
 * to fail later (a stack at run, reconnects forever); the schema refuses them, naming the key.
 */
const minimal = { vehicle: { id: 'bus-101', operator: 'matsue-city' } };
const parse = (raw: unknown) => parseConfig(raw, 'config.json', '/etc/teiki');

describe('config that cannot run is refused at load', () => {
  it.each(['bus/101#', 'bus 101', '+', '', '-bus', 'バス101', 'x'.repeat(65)])(
    'refuses vehicle.id %j, which no MQTT topic or certificate CN can carry',
    (id) => {
      expect(() => parse({ ...minimal, vehicle: { id, operator: 'matsue-city' } })).toThrow(ConfigError);
      expect(() => parse({ ...minimal, vehicle: { id, operator: 'matsue-city' } })).toThrow(
        /^config\.json: vehicle\.id: must be 1-64 letters, digits/,
      );
    },
  );

  it.each(['bus-101', 'ib-205', 'B_7.x', 'x'.repeat(64)])('takes vehicle.id %j', (id) => {
    expect(parse({ ...minimal, vehicle: { id, operator: 'matsue-city' } }).vehicle.id).toBe(id);
  });

  it.each(['ftp://depot.example/x', 'http://depot.example:1883', 'file:///tmp/broker'])(
    'refuses mqtt.url %s: mqtt.js would reconnect to it forever',
    (url) => {
      expect(() => parse({ ...minimal, mqtt: { url }, trust: TEST_TRUST })).toThrow(
        'config.json: mqtt.url: must be an mqtt://, mqtts://, ws:// or wss:// URL',
      );
    },
  );

  it.each([
    'mqtt://127.0.0.1:1883',
    'mqtts://depot.example:8883',
    'ws://depot:8080/mqtt',
    'wss://depot/mqtt',
  ])('takes mqtt.url %s', (url) => {
    expect(parse({ ...minimal, mqtt: { url }, trust: TEST_TRUST }).mqtt.url).toBe(url);
  });

  it('requires a pinned depot key when mqtt.url is set, and none without a broker', () => {
    const url = 'mqtts://depot.example:8883';
    for (const trust of [undefined, { depot_public_keys: [] }]) {
      expect(() => parse({ ...minimal, mqtt: { url }, ...(trust ? { trust } : {}) })).toThrow(
        'config.json: trust.depot_public_keys: at least one pinned depot key is required when mqtt.url is set',
      );
    }
    expect(parse(minimal).trust.depot_public_keys).toEqual([]);
    expect(parse({ ...minimal, mqtt: { url }, trust: TEST_TRUST }).trust.depot_public_keys).toHaveLength(1);
  });
});
