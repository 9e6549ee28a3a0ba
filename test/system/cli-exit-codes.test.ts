/**
 * Every documented exit code, for every bus command where it can happen (README, "The command
 * line"): 0 ok, 2 bad usage, config or input, 3 a configured device missing at start, 4 the
 * local store cannot be opened. Each failure is one `teiki: …` line on stderr, never a stack
 * trace, and no command hangs on a data directory it cannot make. (1, an unexpected failure, has
 * no deliberate way in; the depot's "broker unreachable" is in cli-depot.test.ts.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, ROOT, runTeiki, TeikiProcess } from '../helpers/cli.js';
import {
  CONSOLE_CONFIG,
  DESIGN_IDM,
  importSample,
  makeWorkdir,
  SAMPLE_GTFS,
  SAMPLE_PASSES,
  type Workdir,
} from '../helpers/workdir.js';

let good: Workdir;
/** data_dir under /proc: mkdir answers ENOENT however often it is asked (Node's own mkdir -p spins). */
let noDir: Workdir;
/** data_dir whose databases are not SQLite files. */
let broken: Workdir;
let badConfig: string;
let noDisplay: Workdir;

beforeAll(async () => {
  good = makeWorkdir();
  await importSample(good);
  noDir = makeWorkdir({ data_dir: '/proc/teiki-cannot-exist/data' });
  broken = makeWorkdir();
  mkdirSync(join(broken.dir, 'data'));
  writeFileSync(join(broken.dir, 'data', 'list.sqlite'), 'not a database, a text file\n'.repeat(200));
  writeFileSync(join(broken.dir, 'data', 'records.sqlite'), 'not a database either\n'.repeat(200));
  noDisplay = makeWorkdir({ display: { driver: 'serial', path: '/dev/teiki-no-such-display' } });
  badConfig = join(good.dir, 'bad-config.json');
  writeFileSync(
    badConfig,
    JSON.stringify({ vehicle: { id: 'bus-101', operator: 'matsue-city' }, colour: 'red' }),
  );
}, 120_000);
afterAll(() => {
  for (const w of [good, noDir, broken, noDisplay]) w?.cleanup();
});

/** One line on stderr, `teiki: …`, with no stack frame in it. */
function expectOneLine(r: CliResult, what: string): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, `${what}: ${r.stderr}`).toHaveLength(1);
  expect(lines[0], what).toMatch(/^teiki: /);
  expect(r.stderr, what).not.toMatch(/\n\s+at /);
}

type Case = [what: string, args: () => string[], code: number, stderr?: RegExp];

const cases: Case[] = [
  // replay
  ['replay ok', () => ['replay', join(ROOT, 'simulator/data/scenarios/design-example.json')], 0],
  ['replay of a missing scenario', () => ['replay', join(good.dir, 'nope.json')], 2, /nope\.json/],
  // passes import
  ['passes import ok', () => ['passes', 'import', SAMPLE_PASSES, '--config', good.config], 0],
  [
    'passes import of a missing file',
    () => ['passes', 'import', join(good.dir, 'x.csv'), '--config', good.config],
    2,
    /x\.csv/,
  ],
  [
    'passes import, bad config',
    () => ['passes', 'import', SAMPLE_PASSES, '--config', badConfig],
    2,
    /colour: unknown key/,
  ],
  [
    'passes import, data_dir cannot be made',
    () => ['passes', 'import', SAMPLE_PASSES, '--config', noDir.config],
    4,
    /data_dir \/proc\/teiki-cannot-exist\/data: cannot create it \(ENOENT\)/,
  ],
  [
    'passes import, list not a database',
    () => ['passes', 'import', SAMPLE_PASSES, '--config', broken.config],
    4,
    /cannot open .*list\.sqlite: file is not a database/,
  ],
  // network import
  ['network import ok', () => ['network', 'import', SAMPLE_GTFS, '--config', good.config], 0],
  [
    'network import of a missing folder',
    () => ['network', 'import', join(good.dir, 'no-gtfs'), '--config', good.config],
    2,
    /no-gtfs/,
  ],
  [
    'network import, data_dir cannot be made',
    () => ['network', 'import', SAMPLE_GTFS, '--config', noDir.config],
    4,
    /data_dir .*: cannot create it/,
  ],
  [
    'network import, list not a database',
    () => ['network', 'import', SAMPLE_GTFS, '--config', broken.config],
    4,
    /list\.sqlite: file is not a database/,
  ],
  // check
  ['check ok', () => ['check', DESIGN_IDM, '--config', good.config, '--at', '2026-04-01T08:00:00+09:00'], 0],
  [
    'check of a bad IDm',
    () => ['check', '0114', '--config', good.config],
    2,
    /idm: must be 16 hex characters/,
  ],
  ['check with no list', () => ['check', DESIGN_IDM, '--config', noDir.config], 4, /no pass list at/],
  [
    'check, list not a database',
    () => ['check', DESIGN_IDM, '--config', broken.config],
    4,
    /list\.sqlite: file is not a database/,
  ],
  // status
  ['status ok', () => ['status', '--config', good.config], 0],
  ['status, bad config', () => ['status', '--config', badConfig], 2, /bad config: .*colour: unknown key/],
  [
    'status, missing config',
    () => ['status', '--config', join(good.dir, 'none.json')],
    2,
    /none\.json: cannot read \(ENOENT\)/,
  ],
  [
    'status, data_dir cannot be made',
    () => ['status', '--config', noDir.config, '--json'],
    4,
    /data_dir .*: cannot create it/,
  ],
  [
    'status, list not a database',
    () => ['status', '--config', broken.config],
    4,
    /list\.sqlite: file is not a database/,
  ],
  // records list
  ['records list ok', () => ['records', 'list', '--config', good.config], 0],
  ['records list, bad config', () => ['records', 'list', '--config', badConfig], 2, /colour: unknown key/],
  [
    'records list, data_dir cannot be made',
    () => ['records', 'list', '--config', noDir.config],
    4,
    /data_dir .*: cannot create it/,
  ],
  [
    'records list, records not a database',
    () => ['records', 'list', '--config', broken.config],
    4,
    /records\.sqlite: file is not a database/,
  ],
  // depot keys generate (the other depot commands: cli-depot.test.ts)
  ['keys generate ok', () => ['depot', 'keys', 'generate', '--out', join(good.dir, 'keys')], 0],
  [
    'keys generate into a file',
    () => ['depot', 'keys', 'generate', '--out', join(good.config, 'keys')],
    2,
    /cannot write keys in .*ENOTDIR/,
  ],
  // commander's own errors, in the README's format
  ['an unknown command', () => ['bogus'], 2, /^teiki: unknown command 'bogus'; see "teiki --help"$/],
  [
    'an unknown option',
    () => ['status', '--config', good.config, '--jsn'],
    2,
    /^teiki: unknown option '--jsn' \(did you mean --json\?\); see "teiki status --help"$/,
  ],
  [
    'a missing required option',
    () => ['records', 'list'],
    2,
    /^teiki: required option '--config <file>' not specified; see "teiki records list --help"$/,
  ],
  [
    'a missing argument',
    () => ['passes', 'import', '--config', good.config],
    2,
    /^teiki: missing required argument 'file'; see "teiki passes import --help"$/,
  ],
  [
    'a bad choice',
    () => ['check', DESIGN_IDM, '--config', good.config, '--reader', 'front'],
    2,
    /^teiki: option '--reader <role>' argument 'front' is invalid/,
  ],
  [
    'an option of an earlier release',
    () => ['depot', 'publish', '--passes', 'x.csv', '--key', 'k'],
    2,
    /^teiki: --key is now --signing-key/,
  ],
];

describe('exit codes of the bus commands', () => {
  it('hold for every command, each failure one line', async () => {
    // Four at a time (the machine's two cores are shared); the imports first, as the rest read them.
    const results: CliResult[] = [];
    for (let i = 0; i < cases.length; i += 4) {
      results.push(...(await Promise.all(cases.slice(i, i + 4).map(([, args]) => runTeiki(args())))));
    }
    for (const [i, [what, , code, stderr]] of cases.entries()) {
      const r = results[i]!;
      expect({ what, code: r.code, signal: r.signal }).toEqual({ what, code, signal: null });
      if (code === 0) continue;
      expectOneLine(r, what);
      if (stderr) expect(r.stderr.trimEnd(), what).toMatch(stderr);
    }
  }, 600_000);

  describe('teiki run', () => {
    it('exits 0 after SIGTERM once ready', async () => {
      const w = makeWorkdir(CONSOLE_CONFIG);
      try {
        const run = new TeikiProcess(['run', '--config', w.config]);
        await run.waitFor((l) => l.msg === 'ready', 60_000);
        run.kill('SIGTERM');
        expect((await run.exited).code).toBe(0);
      } finally {
        w.cleanup();
      }
    }, 90_000);

    it.each([
      ['a bad config', () => ['run', '--config', badConfig], 2, /colour: unknown key/],
      [
        'a display that is not there',
        () => ['run', '--config', noDisplay.config],
        3,
        /display\.path: device \/dev\/teiki-no-such-display does not exist/,
      ],
      [
        'a data_dir it cannot make',
        () => ['run', '--config', noDir.config],
        4,
        /cannot open the local store in \/proc\/teiki-cannot-exist\/data/,
      ],
    ] as const)(
      'exits with its code (2, 3, 4) on %s',
      async (_what, args, code, stderr) => {
        const r = await runTeiki(args());
        expect(r.code).toBe(code);
        // The daemon logs its fatal line as JSON on stdout; stderr is the one line for a person.
        expectOneLine(r, _what);
        expect(r.stderr).toMatch(stderr);
      },
      90_000,
    );
  });
});
