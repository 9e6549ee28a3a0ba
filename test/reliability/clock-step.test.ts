/**
 * Issue 12 point 1 on the real stack: a bus whose clock steps forward (a dead RTC, then NTP) while
 * `teiki run` syncs with a broker. The real daemon runs under Debian's libfaketime with its wall
 * clock read from a file the test rewrites (`FAKETIME_TIMESTAMP_FILE`, no cache), and its
 * monotonic clock left alone (`FAKETIME_DONT_FAKE_MONOTONIC`), as NTP leaves CLOCK_MONOTONIC alone.
 * The broker is a real mosquitto on loopback (plain: a TLS certificate made for two days would
 * fail the bus's check once its clock is a year ahead, which is a different fault), the list comes
 * from the real `teiki depot publish`.
 *
 * The clock steps 30 days forward, then a year more, then back to the true time. Before the fix node-cron walked every missed
 * 1-second upload slot on the event loop (minutes of 100% CPU, RSS past 800 MB, taps frozen).
 * Held: every tap is decided, in order (no latency asserted; speed is the bench's); one `clock
 * step` warning per step and one re-plan; the daily jobs run at most once per step and the upload
 * keeps its monotonic beat; RSS stays within the 150 MB budget. Within the horizon the taps are
 * decided normally; a year ahead is beyond it and every tap is attention / clock_invalid; back on
 * the true time nothing runs for the step and taps are trusted again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runTeiki, TeikiProcess } from '../helpers/cli.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { cpuMs, vmRssKb } from '../helpers/proc-stats.js';
import { CONSOLE_CONFIG, DESIGN_IDM, makeWorkdir, SAMPLE_GTFS, type Workdir } from '../helpers/workdir.js';

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime', '/usr/lib/aarch64-linux-gnu/faketime']
  .map((d) => join(d, 'libfaketimeMT.so.1'))
  .find((f) => existsSync(f));
const DAY = 86_400_000;
const RSS_BUDGET_KB = 150 * 1024;
const HEADER = 'pass_id,card_number,idm,kind,issuer,operators,valid_from,valid_until,fare_limit,area,status';
const OTHER_IDM = '012e4cd8a9b70011';

let broker: Mosquitto;
let w: Workdir;
let bus: TeikiProcess;
let fakeTime: string;
let rssTimer: NodeJS.Timeout | undefined;
const rssKb: number[] = [];
const figures: Record<string, unknown> = {};

/** JST calendar day `offset` days from today. */
const day = (offset: number) => new Date(Date.now() + 9 * 3600_000 + offset * DAY).toISOString().slice(0, 10);

const taps = () => bus.lines.filter((l) => l.msg === 'tap');
const lines = (msg: string, from = 0) => bus.lines.slice(from).filter((l) => l.msg === msg);
const jobRuns = (job: string, from = 0) => lines('job done', from).filter((l) => l.job === job);

/** Taps the four taps of a round (two cards, on and off) and waits for each to be decided. */
async function tapRound(): Promise<Array<Record<string, unknown>>> {
  const before = taps().length;
  const sent = [
    [DESIGN_IDM, 'boarding'],
    [OTHER_IDM, 'boarding'],
    [DESIGN_IDM, 'alighting'],
    [OTHER_IDM, 'alighting'],
  ];
  for (const [idm, reader] of sent) {
    const n = taps().length + 1;
    bus.send(`tap ${idm} ${reader}\n`);
    // Liveness only: a tap frozen behind a scheduler would miss this by minutes.
    await vi.waitFor(() => expect(taps().length).toBe(n), { timeout: 10_000, interval: 20 });
  }
  const round = taps().slice(before);
  expect(round.map((t) => [t.reader, t.pass_id !== undefined])).toEqual(sent.map(([, r]) => [r, true]));
  const seqs = round.map((t) => t.seq as number);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  return round;
}

/** Steps the daemon's wall clock to `offset` (libfaketime syntax, from the real time) and waits for the event. */
async function stepTo(offset: string, steps: number) {
  const from = bus.lines.length;
  const cpuBefore = cpuMs(bus.child.pid!);
  writeFileSync(fakeTime, `${offset}\n`);
  const round = await tapRound(); // taps right across the step: none waits for the scheduler
  const step = await bus.waitFor((l) => l.msg === 'clock step', 20_000, from);
  await bus.waitFor((l) => l.msg === 'jobs re-planned', 5_000, from);
  // Let the caught-up jobs finish and a few upload periods pass on the new clock.
  await new Promise((r) => setTimeout(r, 4_000));
  const after = await tapRound();
  expect(lines('clock step')).toHaveLength(steps);
  return { step, round: [...round, ...after], from, cpu: cpuMs(bus.child.pid!) - cpuBefore };
}

beforeAll(async () => {
  if (!LIBFAKETIME) throw new Error('this test needs Debian libfaketime (libfaketimeMT.so.1)');
  broker = await startMosquitto();
  w = makeWorkdir();
  fakeTime = join(w.dir, 'faketime');
  writeFileSync(fakeTime, '+0\n');
  const keys = await runTeiki(['depot', 'keys', 'generate', '--out', join(w.dir, 'keys')]);
  expect(keys.code, keys.stderr).toBe(0);
  const key = JSON.parse(keys.stdout) as { private_key: string; public_key: string };
  writeFileSync(
    w.config,
    JSON.stringify({
      vehicle: { id: 'bus-101', operator: 'matsue-city' },
      data_dir: join(w.dir, 'data'),
      ...CONSOLE_CONFIG,
      mqtt: { url: broker.url, reconnect_min_ms: 100 },
      // A 1-second upload: a year is 31.5 million missed slots for a scheduler that walks them.
      sync: { upload_every_s: 1 },
      rules: { duplicate_window_s: 0.2 },
      trust: { depot_public_keys: [readFileSync(key.public_key, 'utf8')] },
      // Debug: the upload job logs each run at debug, and the test counts them.
      log: { level: 'debug' },
    }),
  );
  const passes = join(w.dir, 'passes.csv');
  writeFileSync(
    passes,
    `${[
      HEADER,
      `MC-0001,JW100000000000001,${DESIGN_IDM},commuter,matsue-city,matsue-city,${day(-30)},${day(90)},240,,active`,
      `MC-0002,JW100000000000002,${OTHER_IDM},commuter,matsue-city,matsue-city,${day(-30)},${day(90)},240,,active`,
    ].join('\n')}\n`,
  );

  bus = new TeikiProcess(['run', '--config', w.config], {
    env: {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: fakeTime,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
  });
  await bus.waitFor((l) => l.msg === 'ready', 30_000);
  await bus.waitFor((l) => l.msg === 'mqtt connected');
  const published = await runTeiki([
    'depot',
    'publish',
    '--passes',
    passes,
    '--network',
    SAMPLE_GTFS,
    '--signing-key',
    key.private_key,
    '--mqtt',
    broker.url,
    '--state',
    join(w.dir, 'depot-state'),
  ]);
  expect(published.code, published.stderr).toBe(0);
  await bus.waitFor((l) => l.msg === 'list applied' && l.version === 1, 30_000);
  bus.send('stop 81 matsue-sta\n');
  rssTimer = setInterval(() => {
    try {
      const kb = vmRssKb(bus.child.pid!);
      if (Number.isFinite(kb)) rssKb.push(kb);
    } catch {
      // exited
    }
  }, 100);
}, 120_000);

afterAll(async () => {
  if (rssTimer) clearInterval(rssTimer);
  bus?.kill('SIGKILL');
  await broker?.dispose();
  w?.cleanup();
});

describe('a forward clock step under a running daemon with sync', () => {
  let baselineKb = 0;

  it('decides taps on the true clock first', async () => {
    const round = await tapRound();
    // Tap-ons accepted on the list, tap-offs judged on it too (whatever the fare says); clock trusted.
    expect(round.map((t) => t.verdict)).toEqual(['accept', 'accept', expect.any(String), expect.any(String)]);
    expect(round.every((t) => t.clock === undefined && t.reason !== 'clock_invalid')).toBe(true);
    baselineKb = vmRssKb(bus.child.pid!);
    expect(baselineKb).toBeGreaterThan(0);
  }, 60_000);

  it('30 days forward: taps keep being decided within the horizon; one step event, no run storm', async () => {
    const start = Date.now();
    const { step, round, from, cpu } = await stepTo('+30d', 1);
    const seconds = (Date.now() - start) / 1000;
    expect(Math.abs((step.step_ms as number) - 30 * DAY)).toBeLessThan(60_000);
    expect(step).toMatchObject({ level: 'warn', step: expect.stringMatching(/^\+30d /) });
    // Inside [floor, horizon] (the list expired 3 days after publishing: stale, still trusted).
    expect(round.every((t) => t.clock === undefined && t.reason !== 'clock_invalid')).toBe(true);
    expect(round.filter((t) => t.reader === 'boarding').map((t) => t.verdict)).toEqual(
      Array(4).fill('accept'),
    );
    const counts = jobCounts(from);
    for (const job of ['nightly_check', 'wal_checkpoint', 'purge'] as const)
      expect(counts[job]).toBeLessThanOrEqual(1);
    expect(counts.upload).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    figures.step_30d = { seconds: round1(seconds), cpu_ms: cpu, job_runs: counts };
  }, 90_000);

  it('a year further: every tap is decided, attention / clock_invalid beyond the horizon', async () => {
    const start = Date.now();
    const { step, round, from, cpu } = await stepTo('+395d', 2);
    const seconds = (Date.now() - start) / 1000;
    expect(Math.abs((step.step_ms as number) - 365 * DAY)).toBeLessThan(60_000);
    // The step takes effect at the daemon's next clock reading: every tap of both rounds is after it.
    expect(round.map((t) => [t.verdict, t.reason, t.clock])).toEqual(
      Array(8).fill(['attention', 'clock_invalid', 'beyond_horizon']),
    );
    const counts = jobCounts(from);
    for (const job of ['nightly_check', 'wal_checkpoint', 'purge'] as const)
      expect(counts[job]).toBeLessThanOrEqual(1);
    expect(counts.upload).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect(lines('jobs re-planned')).toHaveLength(2);
    expect(bus.lines.filter((l) => String(l.msg).startsWith('missed execution'))).toEqual([]);
    figures.step_1y = { seconds: round1(seconds), cpu_ms: cpu, job_runs: counts };
  }, 90_000);

  it('and back to the true time: one more step event, nothing runs for it, taps trusted again', async () => {
    const start = Date.now();
    const { step, round, from, cpu } = await stepTo('+0', 3);
    const seconds = (Date.now() - start) / 1000;
    expect(Math.abs((step.step_ms as number) + 395 * DAY)).toBeLessThan(60_000);
    expect(round.every((t) => t.clock === undefined && t.reason !== 'clock_invalid')).toBe(true);
    const counts = jobCounts(from);
    for (const job of ['nightly_check', 'wal_checkpoint', 'purge'] as const) expect(counts[job]).toBe(0);
    expect(counts.upload).toBeGreaterThan(0);
    expect(counts.upload).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    figures.step_back = { seconds: round1(seconds), cpu_ms: cpu, job_runs: counts };
  }, 90_000);

  it('stayed within the RSS budget throughout, and shuts down cleanly', async () => {
    const maxKb = Math.max(...rssKb);
    console.log(
      JSON.stringify({
        fault: 'clock-step',
        ...figures,
        taps_decided: taps().length,
        clock_step_lines: lines('clock step').length,
        rss_mb: {
          baseline: Math.round(baselineKb / 1024),
          max: Math.round(maxKb / 1024),
          samples: rssKb.length,
        },
      }),
    );
    expect(rssKb.length).toBeGreaterThan(50);
    expect(maxKb).toBeLessThan(RSS_BUDGET_KB);
    bus.kill('SIGTERM');
    expect((await bus.exited).code).toBe(0);
  }, 30_000);
});

function jobCounts(from: number): Record<'nightly_check' | 'wal_checkpoint' | 'purge' | 'upload', number> {
  return {
    nightly_check: jobRuns('nightly_check', from).length,
    wal_checkpoint: jobRuns('wal_checkpoint', from).length,
    purge: jobRuns('purge', from).length,
    upload: jobRuns('upload', from).length,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
