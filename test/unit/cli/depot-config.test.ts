/** The depot config file: one schema, its errors, where it is found, and flag > file > default. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { addBrokerOptions, DepotSettings, depotOptions } from '../../../device/cli/commands/depot-options.js';
import { CliError } from '../../../device/cli/errors.js';
import { ConfigError } from '../../../device/config/load.js';
import {
  defaultDepotConfigPath,
  loadDepotConfig,
  parseDepotConfig,
} from '../../../sync/depot/config/load.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'teiki-depot-config-'));
  dirs.push(d);
  return d;
}
function writeConfig(dir: string, value: unknown, name = 'depot.json'): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

/** The every-key example of DESIGN.md's "Depot service" contract. */
const FULL = {
  state_dir: '/var/lib/teiki-depot',
  signing_key: '/root/teiki-keys/depot-abc.key',
  mqtt: {
    url: 'mqtts://broker.example.jp:8883',
    ca: 'tls/teiki-ca.crt',
    cert: 'tls/depot.crt',
    key: 'tls/depot.key',
    client_id: 'teiki-depot',
  },
  inbox: '/srv/teiki/inbox',
  network: '/srv/gtfs-jp',
  schedule: { snapshot: '0 3 * * *', timezone: 'Asia/Tokyo' },
  storage: { url: 'postgres://teiki@localhost/teiki' },
  retention_days: 400,
  web: { listen: '127.0.0.1:8080' },
};

describe('depot config schema', () => {
  it('takes every key of the Depot service contract, and resolves relative paths against the file', () => {
    const c = parseDepotConfig(FULL, '/etc/teiki-depot/depot.json', '/etc/teiki-depot');
    expect(c.mqtt).toEqual({
      url: 'mqtts://broker.example.jp:8883',
      ca: '/etc/teiki-depot/tls/teiki-ca.crt',
      cert: '/etc/teiki-depot/tls/depot.crt',
      key: '/etc/teiki-depot/tls/depot.key',
      client_id: 'teiki-depot',
    });
    expect(c.state_dir).toBe('/var/lib/teiki-depot');
    expect(c.storage?.url).toBe('postgres://teiki@localhost/teiki');
  });

  it('needs no key at all (each command says what it needs), and defaults the schedule time zone', () => {
    expect(parseDepotConfig({}, 'd.json', '/')).toEqual({});
    expect(parseDepotConfig({ schedule: {} }, 'd.json', '/').schedule).toEqual({ timezone: 'Asia/Tokyo' });
  });

  it.each([
    [{ state: '/var/lib/x' }, 'state: unknown key'],
    [{ mqtt: { url: 'mqtts://b:8883', tls_key: 'x' } }, 'mqtt.tls_key: unknown key'],
    [{ mqtt: { url: 'http://broker' } }, 'mqtt.url: must be an mqtt://'],
    [{ state_dir: '' }, 'state_dir: must be a non-empty path'],
    [{ signing_key: 42 }, 'signing_key'],
    [{ schedule: { snapshot: 'every night' } }, 'schedule.snapshot: is not a valid cron expression'],
    [{ schedule: { timezone: 'Mars/Olympus' } }, 'schedule.timezone: is not an IANA time zone'],
    [{ storage: { url: 'mysql://x' } }, 'storage.url: must be a postgres:// URL'],
    [{ retention_days: 0 }, 'retention_days'],
    [{ web: { listen: '8080' } }, 'web.listen: must be host:port'],
    [{ web: { listen: 'localhost:70000' } }, 'web.listen: port must be at most 65535'],
  ])('refuses a bad key and names file and key (%#)', (raw, message) => {
    expect(() => parseDepotConfig(raw, '/etc/d.json', '/etc')).toThrow(ConfigError);
    expect(() => parseDepotConfig(raw, '/etc/d.json', '/etc')).toThrow(`/etc/d.json: ${message}`);
  });
});

describe('finding the depot config', () => {
  it('is $XDG_CONFIG_HOME/teiki/depot.json, else ~/.config/teiki/depot.json', () => {
    expect(defaultDepotConfigPath({ XDG_CONFIG_HOME: '/cfg' }, '/home/depot')).toBe('/cfg/teiki/depot.json');
    expect(defaultDepotConfigPath({}, '/home/depot')).toBe('/home/depot/.config/teiki/depot.json');
    // The XDG spec: an empty or relative value is ignored.
    expect(defaultDepotConfigPath({ XDG_CONFIG_HOME: '' }, '/home/depot')).toBe(
      '/home/depot/.config/teiki/depot.json',
    );
    expect(defaultDepotConfigPath({ XDG_CONFIG_HOME: 'rel' }, '/home/depot')).toBe(
      '/home/depot/.config/teiki/depot.json',
    );
  });

  it('reads the default file when there is one, and goes without when there is none', () => {
    const xdg = tempDir();
    expect(loadDepotConfig({ env: { XDG_CONFIG_HOME: xdg } })).toEqual({ config: {}, file: null });
    mkdirSync(join(xdg, 'teiki'));
    const file = writeConfig(join(xdg, 'teiki'), { state_dir: 'state' });
    expect(loadDepotConfig({ env: { XDG_CONFIG_HOME: xdg } })).toEqual({
      config: { state_dir: join(xdg, 'teiki', 'state') },
      file,
    });
  });

  it('refuses a --config file that is missing or not JSON, naming it', () => {
    const dir = tempDir();
    expect(() => loadDepotConfig({ file: join(dir, 'nope.json') })).toThrow(
      /nope\.json: cannot read \(ENOENT\)/,
    );
    const bad = writeConfig(dir, '{"state_dir": ', 'bad.json');
    expect(() => loadDepotConfig({ file: bad })).toThrow(/bad\.json: not valid JSON/);
  });
});

/** A command shaped like the depot's, parsed as commander does for the real ones. */
function parse(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cmd = new Command('fleet').exitOverride();
  cmd.addOption(depotOptions.config()).addOption(depotOptions.state(true));
  addBrokerOptions(cmd, true);
  cmd.option('--fallback <x>', 'has a built-in default', 'built-in');
  cmd.parse(args, { from: 'user' });
  return DepotSettings.of(cmd, env);
}

describe('flag > config file > built-in default', () => {
  it('takes a flag over the file, the file over the default, and the default when neither says', () => {
    const dir = tempDir();
    const file = writeConfig(dir, {
      state_dir: 'from-file',
      mqtt: { url: 'mqtts://file:8883', ca: 'ca.crt', cert: 'depot.crt', key: 'depot.key' },
    });
    const s = parse(['--config', file, '--state', '/flag/state', '--tls-key', 'cli.key']);
    expect(s.required('state', '--state', 'state_dir', s.config.state_dir)).toBe('/flag/state');
    const b = s.broker();
    expect(b.url).toBe('mqtts://file:8883');
    expect(b.tls).toEqual({ ca: join(dir, 'ca.crt'), cert: join(dir, 'depot.crt'), key: 'cli.key' });
    // Errors name what the person wrote: the flag, or the key in that file.
    expect(b.names).toEqual({ ca: `mqtt.ca in ${file}`, cert: `mqtt.cert in ${file}`, key: '--tls-key' });
    expect(s.value('fallback', undefined)).toBe('built-in');
    expect(s.value('fallback', 'from-file')).toBe('from-file');
    expect(parse(['--config', file, '--fallback', 'flag']).value('fallback', 'from-file')).toBe('flag');
  });

  it('uses $XDG_CONFIG_HOME/teiki/depot.json without --config', () => {
    const xdg = tempDir();
    mkdirSync(join(xdg, 'teiki'));
    writeConfig(join(xdg, 'teiki'), { state_dir: '/xdg/state' });
    const s = parse([], { XDG_CONFIG_HOME: xdg });
    expect(s.required('state', '--state', 'state_dir', s.config.state_dir)).toBe('/xdg/state');
  });

  it('says which flag or key is missing, and where the config was looked for', () => {
    const xdg = tempDir();
    const none = parse([], { XDG_CONFIG_HOME: xdg });
    expect(() => none.required('state', '--state', 'state_dir', none.config.state_dir)).toThrow(CliError);
    expect(() => none.required('state', '--state', 'state_dir', none.config.state_dir)).toThrow(
      `--state is required (or state_dir in a depot config: --config FILE, or ${join(xdg, 'teiki', 'depot.json')})`,
    );
    const file = writeConfig(tempDir(), { mqtt: { url: 'mqtts://b:8883' } });
    const some = parse(['--config', file]);
    expect(() => some.required('state', '--state', 'state_dir', some.config.state_dir)).toThrow(
      `--state is required (or state_dir in ${file})`,
    );
  });
});
