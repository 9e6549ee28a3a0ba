/**
 * A machine where the optional PC/SC binding did not build (issue 11), for real: the built `teiki`
 * runs in a private mount namespace (`unshare -m`, root) where an empty tmpfs hides either
 * @pokusew/pcsclite's build/ (the package is there, its native binary is not: what
 * `npm ci --ignore-scripts` or a removed libpcsclite leaves) or the whole nfc-pcsc package (what
 * npm leaves after the compile failed: it drops the optional package). Nothing else changes, and
 * the host's node_modules is untouched. The fresh clone without PC/SC headers is .ci/fresh-install.sh.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliResult, ROOT, TEIKI } from '../helpers/cli.js';
import { makeWorkdir, type Workdir } from '../helpers/workdir.js';

const NODE_MODULES = resolve(ROOT, 'node_modules');
const PCSCLITE_BUILD = realpathSync(join(NODE_MODULES, '@pokusew/pcsclite/build'));
const NFC_PCSC = realpathSync(join(NODE_MODULES, 'nfc-pcsc'));
const DEMO = resolve(ROOT, 'dist/simulator/demo/main.js');
/** Run first inside the namespace: exits 97 if nfc-pcsc still loads, so a test proves what it claims. */
const BINDING_GONE = `import('nfc-pcsc').then(() => process.exit(97), () => {})`;

/** Runs `node args…` with `hidden` directories covered by empty tmpfs mounts, in a private namespace. */
function nodeWithout(hidden: readonly string[], args: readonly string[]): Promise<CliResult> {
  const script = [
    'set -e',
    'n=$1; shift',
    'while [ "$n" -gt 0 ]; do mount -t tmpfs -o size=1m teiki-hidden "$1"; shift; n=$((n - 1)); done',
    `"$0" --input-type=module -e "${BINDING_GONE}"`,
    'exec "$0" "$@"',
  ].join('\n');
  return new Promise((done, reject) => {
    const child = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        script,
        process.execPath,
        String(hidden.length),
        ...hidden,
        ...args,
      ],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
    child.stdin.end();
  });
}

let w: Workdir | undefined;
afterEach(() => {
  w?.cleanup();
  w = undefined;
});

describe('teiki without the PC/SC binding', () => {
  it('needs root for its mount namespace', () => {
    expect(process.getuid?.()).toBe(0);
  });

  it('run with a pcsc reader exits 3 with one line: install the packages, then npm rebuild', async () => {
    w = makeWorkdir({ readers: [{ driver: 'pcsc', match: 'PICC', role: 'boarding' }] });
    const r = await nodeWithout([PCSCLITE_BUILD], [TEIKI, 'run', '--config', w.config]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'teiki: the PC/SC binding is not installed: apt-get install libpcsclite-dev pcscd, then npm rebuild\n',
    );
  });

  it('run with a pcsc and a console reader exits 3 saying npm install when npm left nfc-pcsc out', async () => {
    w = makeWorkdir({
      readers: [
        { driver: 'pcsc', match: 'PICC', role: 'boarding' },
        { driver: 'sim', role: 'alighting' },
      ],
    });
    const r = await nodeWithout([NFC_PCSC], [TEIKI, 'run', '--config', w.config]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'teiki: the PC/SC binding is not installed: apt-get install libpcsclite-dev pcscd, then npm install ' +
        '(npm left nfc-pcsc out when it could not compile)\n',
    );
  });

  it('--help and replay never load it', async () => {
    const help = await nodeWithout([NFC_PCSC], [TEIKI, '--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);

    const scenario = resolve(ROOT, 'simulator/data/scenarios/design-example.json');
    const replay = await nodeWithout([NFC_PCSC], [TEIKI, 'replay', scenario]);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('"verdict":"accept"');
  });

  it('the demo plays its morning', async () => {
    const demo = await nodeWithout([NFC_PCSC, PCSCLITE_BUILD], [DEMO, '--json']);
    // With --json the screens go to stderr and the summary alone to stdout (issue 11).
    expect(demo.stderr).not.toMatch(/PC\/SC|pcsclite|nfc-pcsc|Error/);
    expect(demo.code).toBe(0);
    expect(JSON.parse(demo.stdout)).toMatchObject({ mismatches: [], problems: 0, clean_shutdown: true });
  }, 120_000);
});
