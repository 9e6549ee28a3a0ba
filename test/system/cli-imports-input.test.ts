/**
 * `teiki passes import` reads its input once (issue 12, point 8): a process substitution, a
 * FIFO and `-` (stdin) import like a file; /dev/zero and an endless pipe end with exit 2 and one
 * line saying why, instead of running forever; the summary is snake_case JSON and a log gets one
 * progress line per stage.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliResult, ROOT, runTeiki, TEIKI } from '../helpers/cli.js';
import { makeWorkdir, SAMPLE_GTFS, SAMPLE_PASSES, type Workdir } from '../helpers/workdir.js';

let w: Workdir | undefined;
afterEach(() => {
  w?.cleanup();
  w = undefined;
});

/** Runs a bash script in which `$TEIKI` is the built command. */
function runShell(script: string, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: { ...process.env, TEIKI: `${process.execPath} ${TEIKI}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end();
  });
}

const SAMPLE_ROWS = readFileSync(SAMPLE_PASSES, 'utf8').trim().split('\n').length - 1;

function expectImported(r: CliResult, file: string): Record<string, unknown> {
  expect(r.stderr).not.toMatch(/empty file|unexpected/);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(out).toMatchObject({ file, format: 'csv', encoding: 'utf-8', total: SAMPLE_ROWS });
  return out;
}

describe('passes import reads its input once', { timeout: 90_000 }, () => {
  it('from a process substitution <(cat x.csv)', async () => {
    w = makeWorkdir();
    const r = await runShell(`$TEIKI passes import <(cat '${SAMPLE_PASSES}') --config '${w.config}'`);
    expectImported(r, r.stdout.match(/"file":"(\/dev\/fd\/\d+|\/proc\/self\/fd\/\d+)"/)?.[1] ?? '?');
  });

  it('from stdin with "-" (format sniffed from the content, or given)', async () => {
    w = makeWorkdir();
    const csv = await runTeiki(['passes', 'import', '-', '--config', w.config], {
      input: readFileSync(SAMPLE_PASSES, 'utf8'),
    });
    expectImported(csv, 'stdin');
    const jsonl = readFileSync(join(ROOT, 'simulator/data/passes-sample.jsonl'), 'utf8');
    const r = await runTeiki(['passes', 'import', '-', '--format', 'jsonl', '--config', w.config], {
      input: jsonl,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: 'stdin', format: 'jsonl' });
  });

  it('from a FIFO', async () => {
    w = makeWorkdir();
    const fifo = join(w.dir, 'passes.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await runShell(
      `cat '${SAMPLE_PASSES}' > '${fifo}' & $TEIKI passes import '${fifo}' --config '${w.config}'`,
    );
    expectImported(r, fifo);
  });

  it('names stdin and the line of a bad row read from a pipe', async () => {
    w = makeWorkdir();
    const bad = readFileSync(SAMPLE_PASSES, 'utf8').replace(/0114b3a1c2d3e4f5/, 'zz');
    const r = await runTeiki(['passes', 'import', '-', '--config', w.config], { input: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^teiki: stdin:2: idm: must be 16 hex characters$/m);
  });
});

describe('input that never ends', { timeout: 90_000 }, () => {
  it('/dev/zero ends with exit 2 and one line: not a text file', async () => {
    w = makeWorkdir();
    const r = await runTeiki(['passes', 'import', '/dev/zero', '--config', w.config]);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'teiki: /dev/zero:1: is not a text file (it holds a NUL byte): export it as CSV or JSON text\n',
    );
  });

  it('an endless pipe of blank lines stops at the size cap: exit 2 naming the cap and --max-bytes', async () => {
    w = makeWorkdir();
    const r = await runShell(`yes '' | $TEIKI passes import - --max-bytes 8M --config '${w.config}'`);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'teiki: stdin: larger than the input limit of 8 MiB (8388608 bytes; raise it with --max-bytes)\n',
    );
    // Nothing was imported, and the store is usable.
    const s = await runTeiki(['status', '--config', w.config, '--json']);
    expect(JSON.parse(s.stdout).pass_list.version).toBeNull();
  });

  it('refuses a bad --max-bytes, naming the option', async () => {
    w = makeWorkdir();
    const r = await runTeiki([
      'passes',
      'import',
      SAMPLE_PASSES,
      '--max-bytes',
      'lots',
      '--config',
      w.config,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'teiki: --max-bytes must be a size in bytes, or with K, M or G (e.g. 2G), not "lots"\n',
    );
  });

  it('network import caps each file too', async () => {
    w = makeWorkdir();
    const r = await runTeiki(['network', 'import', SAMPLE_GTFS, '--max-bytes', '1K', '--config', w.config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^teiki: .*gtfs-matsue\/\w+\.txt: larger than the input limit of 1 KiB/m);
  });
});

describe('what the imports print', { timeout: 90_000 }, () => {
  it('snake_case JSON, right plurals, and one progress line per stage on a pipe', async () => {
    w = makeWorkdir();
    const net = await runTeiki(['network', 'import', SAMPLE_GTFS, '--config', w.config]);
    expect(net.code).toBe(0);
    const n = JSON.parse(net.stdout);
    expect(n).toMatchObject({ fare_model: 'rules', stop_times: 160, feed_version: 'matsue-sample-2026.04' });
    expect(n.passes_off_network).toEqual({ passes: 0, area: 0, operators: 0, issuer: 0, missing: [] });
    expect(net.stderr.split('\n').filter(Boolean)).toEqual([
      'teiki: network: 2 agencies, 5 routes, 20 stops, 28 trips, 160 stop times read',
      'teiki: network: 70 fares (rules) from 70 fare rules',
      'teiki: network: 1 area covering 17 stops',
      `teiki: network: stored in ${join(w.dir, 'data')}`,
    ]);

    const one = join(w.dir, 'one.csv');
    const [header, first] = readFileSync(SAMPLE_PASSES, 'utf8').split('\n');
    writeFileSync(one, `${header}\n${first}\n`);
    const p = await runTeiki(['passes', 'import', one, '--config', w.config]);
    expect(p.code).toBe(0);
    const out = JSON.parse(p.stdout);
    expect(out).toMatchObject({ total: 1, card_changes: 0, by_status: { active: 1 }, network_checked: true });
    expect(Object.keys(out.list)).toEqual([
      'version',
      'count',
      'active',
      'card_changes',
      'applied_at',
      'expires_at',
      'source',
    ]);
    for (const doc of [n, out]) expect(JSON.stringify(doc)).not.toMatch(/"[a-z]+[A-Z]\w*":/);
    expect(p.stderr.split('\n').filter(Boolean)).toEqual([
      'teiki: passes: 1 row read (csv, utf-8), checked against the network in force',
      'teiki: passes: list v1 in force: 1 pass (1 active)',
    ]);
  });
});
