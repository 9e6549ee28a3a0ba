/**
 * Issue 12 point 7: `teiki replay` validates the whole scenario before its first line. Impossible
 * times (2026-02-30, 24:00, a +25:00 offset) are refused, not rolled over; events out of time
 * order are refused unless `--sort` is given; a bad pass row anywhere (inline, in a late `passes`
 * event, in the passes file) ends replay with exit 2 naming the file, event index and field, and
 * nothing on stdout.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runTeiki } from '../helpers/cli.js';

const GTFS = resolve(ROOT, 'simulator/data/gtfs-matsue');
const PASSES = resolve(ROOT, 'simulator/data/passes-sample.csv');
const IDM = '0114b3a1c2d3e4f5';

let dir: string;
let refusals = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'teiki-replay-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      fault: 'impossible or disordered replay scenarios',
      refused: refusals,
      stdout_bytes: 0,
    }),
  );
});

type Event = Record<string, unknown>;
const stop = (at: string, s = 'matsue-sta'): Event => ({ at, stop: { route: '81', stop: s } });
const tap = (at: string, reader = 'boarding'): Event => ({ at, tap: { idm: IDM, reader } });
const row = (over: Record<string, unknown> = {}) => ({
  pass_id: 'MC-0001',
  card_number: 'JW100000000000001',
  idm: IDM,
  kind: 'commuter',
  issuer: 'matsue-city',
  operators: ['matsue-city'],
  valid_from: '2026-04-01',
  valid_until: '2026-04-30',
  fare_limit: 240,
  area: null,
  status: 'refunded',
  ...over,
});

let n = 0;
/** Writes a scenario file; returns its path. */
function scenario(events: Event[], over: Record<string, unknown> = {}): string {
  const file = join(dir, `s${++n}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      vehicle: { id: 'bus-101', operator: 'matsue-city' },
      network: GTFS,
      passes: PASSES,
      events,
      ...over,
    }),
  );
  return file;
}

const replay = (file: string, ...flags: string[]) => runTeiki(['replay', file, ...flags]);
const lines = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Exit 2, one `teiki:` message naming the file (`names`) and `where`, and no stdout at all. */
async function refused(file: string, where: RegExp, names: string = file) {
  const r = await replay(file);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^teiki: /);
  expect(r.stderr).toContain(names);
  expect(r.stderr).toMatch(where);
  refusals++;
  return r.stderr;
}

const morning = [
  stop('2026-04-01T07:58:00+09:00'),
  tap('2026-04-01T07:58:05+09:00'),
  stop('2026-04-01T08:04:00+09:00', 'kencho-mae'),
  tap('2026-04-01T08:04:20+09:00', 'alighting'),
];

describe('teiki replay validates the whole scenario first', () => {
  it('replays a sound scenario (the baseline the refusals are measured against)', async () => {
    const r = await replay(scenario(morning));
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).map((l) => l.verdict)).toEqual(['accept', 'accept']);
  });

  it.each([
    [
      'a day February does not have',
      '2026-02-30T07:58:05+09:00',
      /events\[1\]\.at: 2026-02-30 is not a calendar day/,
    ],
    [
      '29 February of a common year',
      '2026-02-29T07:58:05+09:00',
      /events\[1\]\.at: 2026-02-29 is not a calendar day/,
    ],
    ['hour 24', '2026-04-01T24:00:00+09:00', /events\[1\]\.at: hour 24 is not 00-23/],
    ['minute 60', '2026-04-01T07:60:00+09:00', /events\[1\]\.at: minute 60 is not 00-59/],
    [
      'an offset past +14:00',
      '2026-04-01T07:58:05+25:00',
      /events\[1\]\.at: offset \+25:00 is not a UTC offset/,
    ],
    ['an offset with 60 minutes', '2026-04-01T07:58:05+09:60', /events\[1\]\.at: offset \+09:60/],
    ['no offset', '2026-04-01T07:58:05', /events\[1\]\.at: must be an ISO 8601 time with an offset/],
  ])('refuses %s (%s) with exit 2 and no output', async (_what, at, where) => {
    const events = [...morning];
    events[1] = tap(at);
    await refused(scenario(events), where);
  });

  it('takes a leap day, a UTC time and fractions of a second', async () => {
    const r = await replay(
      scenario([
        stop('2024-02-29T07:58:00+09:00'),
        tap('2024-02-29T07:58:05.5+09:00'),
        tap('2024-02-29T23:04:20Z', 'alighting'),
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(2);
  });

  it('refuses events out of time order, naming both events', async () => {
    const events = [morning[0], morning[3], morning[2], morning[1]] as Event[];
    const msg = await refused(
      scenario(events),
      /events\[2\]\.at: 2026-04-01T08:04:00\+09:00 is before events\[1\]\.at/,
    );
    expect(msg).toContain('--sort');
  });

  it('compares instants, not text: the same moment written in two offsets is in order', async () => {
    const r = await replay(
      scenario([
        stop('2026-04-01T07:58:00+09:00'),
        tap('2026-03-31T22:58:00Z'),
        tap('2026-04-01T07:58:00+09:00'),
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
  });

  it('with --sort, runs the events in time order, keeping the file order of events at the same time', async () => {
    const sorted = await replay(scenario(morning));
    const shuffled = [morning[3], morning[1], morning[2], morning[0]] as Event[];
    const r = await replay(scenario(shuffled), '--sort');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(sorted.stdout);
    // Events at one instant keep the file's order: the alighting tap comes after the stop at
    // kencho-mae (fare ¥200) and before the stop back at matsue-sta (which would make it ¥160).
    const t0 = '2026-04-01T07:58:00+09:00';
    const t1 = '2026-04-01T08:04:20+09:00';
    const r2 = await replay(
      scenario([stop(t1, 'kencho-mae'), tap(t1, 'alighting'), stop(t1), stop(t0), tap(t0)]),
      '--sort',
    );
    expect(r2.code, r2.stderr).toBe(0);
    expect(lines(r2.stdout).map((l) => [l.at, l.reader, l.fare])).toEqual([
      [t0, 'boarding', null],
      [t1, 'alighting', 200],
    ]);
  });

  it('writes nothing when a pass row late in the scenario is bad', async () => {
    const events = [
      ...morning,
      {
        at: '2026-04-01T12:00:00+09:00',
        passes: [row(), row({ pass_id: 'MC-0002', valid_until: '2026-04-31' })],
      },
      tap('2026-04-01T12:30:10+09:00'),
    ];
    await refused(scenario(events), /events\[4\]\.passes\[1\]\.valid_until: must be a real date YYYY-MM-DD/);
  });

  it('writes nothing when an inline pass row is bad, naming its index and field', async () => {
    await refused(
      scenario(morning, { passes: [row({ status: 'active' }), row({ pass_id: 'X', idm: 'zz' })] }),
      /passes\[1\]\.idm: must be 16 hex characters/,
    );
  });

  it('writes nothing when the passes file has a bad row, naming its line and field', async () => {
    const csv = join(dir, 'bad.csv');
    const text = readFileSync(PASSES, 'utf8').trimEnd().split('\n');
    text.push(
      text
        .at(-1)
        ?.replace(/^[^,]+,/, 'MC-9999,')
        .replace(/2026-\d\d-\d\d/, '2026-02-30') ?? '',
    );
    writeFileSync(csv, `${text.join('\n')}\n`);
    await refused(
      scenario(morning, { passes: csv }),
      new RegExp(`bad\\.csv:${text.length}: valid_from`),
      csv,
    );
  });
});
