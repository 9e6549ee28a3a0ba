import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../../device/config/load.js';

const minimal = { vehicle: { id: 'bus-101', operator: 'matsue-city' } };

describe('config', () => {
  it('fills every default from the one schema', () => {
    const c = parseConfig(minimal, 'c.json', '/etc/teiki');
    expect(c.data_dir).toBe('/var/lib/teiki');
    expect(c.display.driver).toBe('console');
    expect(c.rules).toEqual({
      routes_without_passes: [],
      excess_rule: 'difference',
      duplicate_window_s: 3,
      max_ride_minutes: 180,
      stale_policy: 'accept',
    });
    expect(c.readers).toEqual([]);
  });

  it('resolves a relative data_dir against the config file folder', () => {
    expect(parseConfig({ ...minimal, data_dir: 'data' }, 'c.json', '/etc/teiki').data_dir).toBe(
      '/etc/teiki/data',
    );
  });

  it.each([
    [{ ...minimal, vehicle: { id: 'bus-101' } }, 'vehicle.operator'],
    [{ ...minimal, readers: [{ driver: 'usb', role: 'boarding' }] }, 'readers[0].driver'],
    [{ ...minimal, readers: [{ driver: 'pcsc', role: 'front' }] }, 'readers[0].role'],
    [{ ...minimal, rules: { excess_rule: 'half' } }, 'rules.excess_rule'],
    [{ ...minimal, rules: { duplicate_windows: 3 } }, 'rules.duplicate_windows: unknown key'],
    [{ ...minimal, display: { driver: 'serial' } }, 'display.path: is required'],
    [{ ...minimal, mqtt: { url: 'not a url' } }, 'mqtt.url'],
    [{ ...minimal, colour: 'red' }, 'colour: unknown key'],
  ])('refuses a bad key and names it (%#)', (raw, key) => {
    expect(() => parseConfig(raw, 'c.json', '/')).toThrow(ConfigError);
    expect(() => parseConfig(raw, 'c.json', '/')).toThrow(key);
  });

  it('names the file when it is not JSON or cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teiki-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ "vehicle": ');
    expect(() => loadConfig(file)).toThrow(/bad\.json: not valid JSON/);
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read \(ENOENT\)/);
  });
});
