/**
 * The depot commands against a real mosquitto (TLS, client certificates, the ACL), as a depot
 * engineer runs them (issue 11): settings from a depot config file so the TLS files are not
 * repeated, flag > file > default, every documented exit code, progress on a real terminal and
 * through a pipe, and `keys generate` printing the entry for the bus config.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../device/config/load.js';
import { pinKeys } from '../../sync/signing.js';
import { type CliResult, runTeiki, TEIKI } from '../helpers/cli.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { SAMPLE_GTFS } from '../helpers/workdir.js';
import { tempDir } from '../integration/list-sync-harness.js';
import { csvRow, HEADER } from '../unit/sync/depot-fixtures.js';

const tmp = tempDir('teiki-cli-depot-');
let broker: Mosquitto;
let key: { key_id: string; private_key: string; public_key: string; bus_config: unknown };
let keysRun: CliResult;
/** The depot config: every setting the one-shot commands use, paths relative to the file. */
let config: string;
/** An XDG_CONFIG_HOME with no teiki/depot.json: tests see no depot config unless they name one. */
let env: NodeJS.ProcessEnv;

const depot = (args: string[], over: NodeJS.ProcessEnv = {}) =>
  runTeiki(['depot', ...args], { env: { ...env, ...over }, timeoutMs: 120_000 });

function exportFile(name: string, count: number): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, `${[HEADER, ...Array.from({ length: count }, (_, i) => csvRow(i))].join('\n')}\n`);
  return file;
}

function oneLine(r: CliResult): string {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
  env = { ...process.env, XDG_CONFIG_HOME: join(tmp.dir, 'xdg-empty') };
  keysRun = await depot(['keys', 'generate', '--out', join(tmp.dir, 'keys')]);
  expect(keysRun.code, keysRun.stderr).toBe(0);
  key = JSON.parse(keysRun.stdout);
  const etc = join(tmp.dir, 'etc');
  mkdirSync(etc);
  const d = broker.certs!.depot;
  config = join(etc, 'depot.json');
  writeFileSync(
    config,
    JSON.stringify({
      state_dir: 'state',
      signing_key: relative(etc, key.private_key),
      network: relative(etc, SAMPLE_GTFS),
      mqtt: {
        url: broker.url,
        ca: relative(etc, d.ca),
        cert: relative(etc, d.cert),
        key: relative(etc, d.key),
      },
    }),
  );
}, 120_000);
afterAll(async () => {
  await broker?.dispose();
  tmp.cleanup();
});

describe('teiki depot keys generate', () => {
  it('prints the trust.depot_public_keys entry a bus config takes, in JSON and for a person', () => {
    const pem = readFileSync(key.public_key, 'utf8');
    expect(key.bus_config).toEqual({ trust: { depot_public_keys: [pem] } });
    // The fragment is a valid bus config part, and pins this very key.
    const bus = parseConfig(
      { vehicle: { id: 'bus-101', operator: 'matsue-city' }, ...(key.bus_config as object) },
      'c.json',
      '/',
    );
    expect(pinKeys(bus.trust.depot_public_keys)[0]?.keyId).toBe(key.key_id);
    // For a person: what to do, then the one line to paste into the array.
    const [say, line] = keysRun.stderr.trimEnd().split('\n');
    expect(say).toMatch(/^teiki: key \S+: add this entry to trust\.depot_public_keys in every bus config/);
    expect(JSON.parse(line!)).toBe(pem);
  });
});

describe('teiki depot publish', () => {
  it('publishes with its settings from the depot config alone, a line per stage through a pipe', async () => {
    const r = await depot(['publish', '--config', config, '--passes', exportFile('a.csv', 1_200)]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: 1, kind: 'snapshot', passes: { total: 1_200 } });
    expect(r.stderr).toMatch(/^teiki: rows read: 1,200\nteiki: snapshot chunks sent: \d+\n$/);
    // state_dir resolved against the config file's folder, not the working directory.
    expect(existsSync(join(tmp.dir, 'etc', 'state', 'published.sqlite'))).toBe(true);
  }, 120_000);

  it('draws progress bars with totals on a real terminal, JSON still alone on stdout', async () => {
    const out = join(tmp.dir, 'pty-summary.json');
    const file = exportFile('b.csv', 1_500);
    // script(1) gives teiki a real pseudo-terminal as stderr; stdout goes to a file.
    const command = `${process.execPath} ${TEIKI} depot publish --config ${config} --passes ${file} --full > ${out}`;
    const screen = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (b) => {
        text += b;
      });
      child.stderr.on('data', (b) => {
        text += b;
      });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, text }));
    });
    expect(screen.code, screen.text).toBe(0);
    const plainText = screen.text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]|\r/g, '\n');
    expect(plainText).toMatch(/rows read \[#{30}\] 100% 1,500\/1,500/);
    expect(plainText).toMatch(/snapshot chunks sent: \d+/);
    expect(plainText).not.toMatch(/teiki: rows read/);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ version: 2, snapshot: { entries: 1_500 } });
  }, 120_000);

  it('takes a flag over the config, naming in errors what the person wrote', async () => {
    const passes = exportFile('c.csv', 3);
    const flag = await depot([
      'publish',
      '--config',
      config,
      '--passes',
      passes,
      '--tls-key',
      join(tmp.dir, 'no.key'),
    ]);
    expect(flag.code).toBe(2);
    expect(oneLine(flag)).toMatch(/cannot read --tls-key file .*no\.key \(ENOENT\)/);
    const broken = join(tmp.dir, 'etc', 'broken-ca.json');
    writeFileSync(
      broken,
      JSON.stringify({
        ...JSON.parse(readFileSync(config, 'utf8')),
        mqtt: { url: broker.url, ca: 'nope.crt' },
      }),
    );
    const fromFile = await depot(['publish', '--config', broken, '--passes', passes]);
    expect(fromFile.code).toBe(2);
    expect(oneLine(fromFile)).toMatch(
      new RegExp(`cannot read mqtt\\.ca in ${broken.replace(/\./g, '\\.')} file`),
    );
  }, 120_000);

  it.each([
    [
      '1: the broker cannot be reached',
      ['--mqtt', 'mqtts://127.0.0.1:1'],
      1,
      /^teiki: cannot connect to mqtts:\/\/127\.0\.0\.1:1/,
    ],
    ['2: a bad option value', ['--expires-in', '40'], 2, /--expires-in must be at most 31 days/],
    [
      '4: a state directory it cannot make',
      ['--state', '/proc/teiki-no-state'],
      4,
      /^teiki: cannot open the depot state in \/proc\/teiki-no-state: ENOENT/,
    ],
  ])(
    'exits %s',
    async (_what, extra, code, message) => {
      const r = await depot(['publish', '--config', config, '--passes', exportFile('d.csv', 3), ...extra]);
      expect(r.code, r.stderr).toBe(code);
      expect(oneLine(r)).toMatch(message);
    },
    120_000,
  );

  it('exits 2 naming the flag and the config key when a setting is missing, or the config is bad', async () => {
    const none = await depot(['publish', '--passes', exportFile('e.csv', 3)]);
    expect(none.code).toBe(2);
    expect(oneLine(none)).toBe(
      `teiki: --network is required (or network in a depot config: --config FILE, or ${join(tmp.dir, 'xdg-empty', 'teiki', 'depot.json')})`,
    );
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ state_dir: 'x', mqtt: { url: broker.url, client_key: 'k' } }));
    const r = await depot(['publish', '--config', bad, '--passes', exportFile('f.csv', 3)]);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toBe(`teiki: bad config: ${bad}: mqtt.client_key: unknown key`);
  }, 120_000);
});

describe('teiki depot collect and fleet', () => {
  it('collect: runs from the config, exports without connecting, and exits 1, 2 and 4 as documented', async () => {
    const once = await depot(['collect', '--config', config, '--once', '--idle', '0.5']);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toMatch(/"msg":"summary"/);
    const exported = await depot(['collect', '--config', config, '--export', join(tmp.dir, 'r.csv')]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toMatch(/"msg":"collecting"/);
    expect(readFileSync(join(tmp.dir, 'r.csv'), 'utf8')).toMatch(/^vehicle,seq,event_id,/);

    const unreachable = await depot([
      'collect',
      '--config',
      config,
      '--mqtt',
      'mqtts://127.0.0.1:1',
      '--once',
    ]);
    expect(unreachable.code).toBe(1);
    expect(oneLine(unreachable)).toMatch(/^teiki: cannot connect to mqtts:\/\/127\.0\.0\.1:1/);
    const nothing = await depot(['collect', '--state', join(tmp.dir, 'collect')]);
    expect(nothing.code).toBe(2);
    expect(oneLine(nothing)).toMatch(/nothing to do/);
    const noState = await depot(['collect', '--export', join(tmp.dir, 'x.csv')]);
    expect(noState.code).toBe(2);
    expect(oneLine(noState)).toMatch(/^teiki: --state is required \(or state_dir in a depot config/);
    const store = await depot([
      'collect',
      '--state',
      '/proc/teiki-no-state',
      '--export',
      join(tmp.dir, 'y.csv'),
    ]);
    expect(store.code).toBe(4);
    expect(oneLine(store)).toBe('teiki: --state /proc/teiki-no-state: cannot create it (ENOENT)');
  }, 180_000);

  it('fleet: finds $XDG_CONFIG_HOME/teiki/depot.json by itself, and exits 1 and 2 as documented', async () => {
    const xdg = join(tmp.dir, 'xdg');
    mkdirSync(join(xdg, 'teiki'), { recursive: true });
    // Relative paths resolve against that file's folder: point them at the same files, absolute.
    const c = JSON.parse(readFileSync(config, 'utf8'));
    const etc = join(tmp.dir, 'etc');
    for (const k of ['ca', 'cert', 'key'] as const) c.mqtt[k] = join(etc, c.mqtt[k]);
    writeFileSync(join(xdg, 'teiki', 'depot.json'), JSON.stringify({ mqtt: c.mqtt }));
    const found = await depot(['fleet', '--json'], { XDG_CONFIG_HOME: xdg });
    expect(found.code, found.stderr).toBe(0);
    expect(JSON.parse(found.stdout)).toEqual([]);

    const unreachable = await depot(['fleet', '--mqtt', 'mqtts://127.0.0.1:1'], { XDG_CONFIG_HOME: xdg });
    expect(unreachable.code).toBe(1);
    expect(oneLine(unreachable)).toMatch(/cannot connect to mqtts:\/\/127\.0\.0\.1:1/);
    const none = await depot(['fleet']);
    expect(none.code).toBe(2);
    expect(oneLine(none)).toMatch(/^teiki: --mqtt is required \(or mqtt\.url in a depot config/);
    const renamed = await depot(['fleet', '--config', config, '--key', 'depot.key']);
    expect(renamed.code).toBe(2);
    expect(oneLine(renamed)).toMatch(/^teiki: --key is now --tls-key/);
  }, 180_000);
});
