/**
 * The import commands as a person meets their refusals (issues 11 and 12): fares without rules,
 * passes naming what the network lacks, the drop guard with --force, and a data directory that
 * cannot be created or opened (exit 4, one line, never a loop or a stack trace; a read-only one
 * is a real read-only bind mount in a private mount namespace).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliResult, runTeiki, TEIKI } from '../helpers/cli.js';
import { makeWorkdir, SAMPLE_GTFS, SAMPLE_PASSES, type Workdir } from '../helpers/workdir.js';
import { cells, csv } from '../unit/imports/helpers.js';

let w: Workdir | undefined;
afterEach(() => {
  w?.cleanup();
  w = undefined;
});

const importPasses = (file: string, ...more: string[]) =>
  runTeiki(['passes', 'import', file, '--config', w!.config, ...more]);
const importNetwork = (dir: string) => runTeiki(['network', 'import', dir, '--config', w!.config]);

function configWithDataDir(dataDir: string): string {
  const file = join(w!.dir, 'other.json');
  writeFileSync(
    file,
    JSON.stringify({ vehicle: { id: 'bus-101', operator: 'matsue-city' }, data_dir: dataDir }),
  );
  return file;
}

describe('network import and fares', { timeout: 90_000 }, () => {
  it('refuses several fares without fare_rules.txt, naming the file; takes one as a flat fare', async () => {
    w = makeWorkdir();
    const feed = join(w.dir, 'feed');
    cpSync(SAMPLE_GTFS, feed, { recursive: true });
    rmSync(join(feed, 'fare_rules.txt'));
    const r = await importNetwork(feed);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^teiki: .*feed\/fare_attributes\.txt: lists \d+ fares but there is no fare_rules\.txt, so nothing says which ride costs which/m,
    );
    writeFileSync(
      join(feed, 'fare_attributes.txt'),
      'fare_id,price,currency_type,payment_method,transfers\nflat,210,JPY,0,0\n',
    );
    const flat = await importNetwork(feed);
    expect(flat.code).toBe(0);
    expect(JSON.parse(flat.stdout)).toMatchObject({ fare_model: 'flat', fares: 1, fare_rules: 0 });
  });
});

describe('passes against the network in force', { timeout: 90_000 }, () => {
  const freePass = (area: string) =>
    csv([cells(1, { kind: 'student_free', fare_limit: '', area }), cells(2)]);

  it('refuses a free pass whose area the network lacks, as file:line: field', async () => {
    w = makeWorkdir();
    expect((await importNetwork(SAMPLE_GTFS)).code).toBe(0);
    const file = join(w.dir, 'passes.csv');
    writeFileSync(file, freePass('kita'));
    const r = await importPasses(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `teiki: ${file}:2: area: "kita" is not an area of the network in force (it has "matsue")\n`,
    );
    writeFileSync(file, freePass('matsue'));
    expect((await importPasses(file)).code).toBe(0);
  });

  it('without a network: imports and warns; a network that comes later counts and warns', async () => {
    w = makeWorkdir();
    const file = join(w.dir, 'passes.csv');
    writeFileSync(file, freePass('kita'));
    const p = await importPasses(file);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout).network_checked).toBe(false);
    expect(p.stderr).toMatch(/^teiki: warning: no network imported yet/m);
    const n = await importNetwork(SAMPLE_GTFS);
    expect(n.code).toBe(0);
    expect(JSON.parse(n.stdout).passes_off_network).toEqual({
      passes: 1,
      area: 1,
      operators: 0,
      issuer: 0,
      missing: ['area "kita" (1 pass)'],
    });
    expect(n.stderr).toMatch(
      /^teiki: warning: 1 pass in force names what this network lacks \(area "kita" \(1 pass\)\): their holders will be refused/m,
    );
  });
});

describe('the drop guard', { timeout: 90_000 }, () => {
  it('refuses losing 80% of the active passes with exit 2 naming the share and --force; --force imports', async () => {
    w = makeWorkdir();
    const full = join(w.dir, 'full.csv');
    const cut = join(w.dir, 'cut.csv');
    writeFileSync(full, csv(Array.from({ length: 1_000 }, (_, i) => cells(i))));
    writeFileSync(cut, csv(Array.from({ length: 200 }, (_, i) => cells(i))));
    expect((await importPasses(full)).code).toBe(0);
    const r = await importPasses(cut);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      'teiki: passes: 200 rows read (csv, utf-8), no network to check against',
      'teiki: refusing to import: the export leaves 200 active passes of the 1000 in force (80% gone, ' +
        'more than the 50% allowed). A cut-short export would refuse good cards; check the export, or ' +
        'import it with --force if the drop is real',
    ]);
    const s = await runTeiki(['status', '--config', w.config, '--json']);
    expect(JSON.parse(s.stdout).pass_list).toMatchObject({ version: 1, count: 1_000 });
    const forced = await importPasses(cut, '--force');
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ total: 200, version: 2 });
    expect(forced.stderr).toMatch(/^teiki: warning: .*80% gone.*; imported anyway \(--force\)$/m);
  });
});

describe('a data directory that cannot be made or opened: exit 4, one line', { timeout: 90_000 }, () => {
  it.each([
    ['under a file', (dir: string) => join(dir, 'config.json', 'data'), /ENOTDIR/],
    [
      "under /proc (Node's recursive mkdir loops there)",
      () => '/proc/1/teiki-nope/data',
      /cannot create it \(ENOENT\)/,
    ],
  ])('%s', async (_what, dataDir, reason) => {
    w = makeWorkdir();
    const config = configWithDataDir(dataDir(w.dir));
    for (const args of [
      ['passes', 'import', SAMPLE_PASSES],
      ['network', 'import', SAMPLE_GTFS],
    ]) {
      const r = await runTeiki([...args, '--config', config], { timeoutMs: 20_000 });
      expect(r.signal).toBeNull();
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/^teiki: data_dir .*: cannot create it .*\n$/);
      expect(r.stderr).toMatch(reason);
    }
  });

  it('on a read-only mount (a list there already, and none yet)', async () => {
    w = makeWorkdir();
    const data = join(w.dir, 'data');
    expect((await importPasses(SAMPLE_PASSES)).code).toBe(0);
    const empty = join(w.dir, 'empty');
    mkdirSync(empty);
    const emptyConfig = configWithDataDir(empty);
    const script = [
      `mount --bind -o ro '${data}' '${data}'`,
      `mount --bind -o ro '${empty}' '${empty}'`,
      `"$NODE" "$TEIKI" passes import '${SAMPLE_PASSES}' --config '${w.config}'; echo "rc=$?" >&2`,
      `"$NODE" "$TEIKI" network import '${SAMPLE_GTFS}' --config '${w.config}'; echo "rc=$?" >&2`,
      `"$NODE" "$TEIKI" passes import '${SAMPLE_PASSES}' --config '${emptyConfig}'; echo "rc=$?" >&2`,
    ].join(' && ');
    const r = await new Promise<CliResult>((resolve, reject) => {
      const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
        env: { ...process.env, NODE: process.execPath, TEIKI },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    // The stage lines come as the input is read; the write into the read-only store then fails.
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !/^teiki: (network|passes): /.test(l));
    expect(lines, r.stderr).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) {
      expect(lines[i]).toMatch(/^teiki: cannot (open|write) .*(list\.sqlite|local store)/);
      expect(lines[i + 1]).toBe('rc=4');
    }
    expect(r.stdout).toBe('');
  });
});
