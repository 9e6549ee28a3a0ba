/**
 * Issue 12 point 2, "a read-only data filesystem means no validator": the real `teiki run` keeps
 * its data directory on a tmpfs mounted in a private mount namespace (`unshare -m`, needs root),
 * which is remounted read-only after the pass list was imported. The daemon must start, decide
 * taps from the list it can read, show 記録エラー 書込不可, hold the records in memory and say so
 * in `teiki status`; once the filesystem is remounted read-write the held records must land in
 * records.sqlite in tap order, with the seq numbers they would have had, none lost, none twice.
 *
 * Every command runs inside the namespace through `nsenter -t HOLDER -m`, where HOLDER is a
 * `sleep` that keeps the namespace (and its tmpfs) alive; killing it drops both.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTeiki, TeikiProcess } from '../helpers/cli.js';
import {
  CONSOLE_CONFIG,
  DESIGN_IDM,
  makeWorkdir,
  SAMPLE_GTFS,
  type Workdir,
  writeCurrentPasses,
} from '../helpers/workdir.js';

const ALARM = '記録エラー 書込不可';
const UNKNOWN = (n: number) => `0114dd${n.toString(16).padStart(10, '0')}`;

/** A private mount namespace holding a 16 MB tmpfs at `mnt`. */
class Namespace {
  readonly #holder: ChildProcess;
  readonly prefix: string[];
  private constructor(
    holder: ChildProcess,
    readonly mnt: string,
  ) {
    this.#holder = holder;
    this.prefix = ['nsenter', '-t', String(holder.pid), '-m', '--'];
  }

  static async create(mnt: string): Promise<Namespace> {
    const holder = spawn(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t tmpfs -o size=16m,mode=0700 tmpfs "$1" && echo mounted && exec sleep 3600',
        'sh',
        mnt,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      let err = '';
      holder.stderr?.on('data', (d) => {
        err += d;
      });
      holder.stdout?.on('data', (d) => {
        if (String(d).includes('mounted')) resolve();
      });
      holder.on('exit', (code) => reject(new Error(`unshare exited ${code}: ${err}`)));
    });
    return new Namespace(holder, mnt);
  }

  run(command: string, ...args: string[]): string {
    return execFileSync(this.prefix[0] as string, [...this.prefix.slice(1), command, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  remount(mode: 'ro' | 'rw'): void {
    this.run('mount', '-o', `remount,${mode}`, this.mnt);
  }

  teiki(args: readonly string[]) {
    return runTeiki(args, { prefix: this.prefix });
  }

  daemon(config: string): TeikiProcess {
    return new TeikiProcess(['run', '--config', config], { prefix: this.prefix });
  }

  async close(): Promise<void> {
    if (this.#holder.exitCode !== null || this.#holder.signalCode !== null) return;
    const gone = new Promise((r) => this.#holder.on('exit', r));
    this.#holder.kill('SIGKILL');
    await gone;
  }
}

interface Fixture {
  root: string;
  ns: Namespace;
  w: Workdir;
  dataDir: string;
}
let fx: Fixture | null = null;
let proc: TeikiProcess | null = null;

afterEach(async () => {
  proc?.kill('SIGKILL');
  await proc?.exited;
  proc = null;
  await fx?.ns.close();
  if (fx) {
    rmSync(fx.root, { recursive: true, force: true });
    fx.w.cleanup();
  }
  fx = null;
});

/** A namespace with the sample network and a pass valid today imported on the writable tmpfs. */
async function setUp(): Promise<Fixture> {
  if (process.getuid?.() !== 0) throw new Error('the read-only storage test mounts a tmpfs: it needs root');
  const root = mkdtempSync(join(tmpdir(), 'teiki-rofs-'));
  const mnt = join(root, 'mnt');
  mkdirSync(mnt);
  const ns = await Namespace.create(mnt);
  const dataDir = join(mnt, 'data');
  // A short duplicate window: the design card boards again within seconds.
  const w = makeWorkdir({ data_dir: dataDir, ...CONSOLE_CONFIG, rules: { duplicate_window_s: 0.5 } });
  const net = await ns.teiki(['network', 'import', SAMPLE_GTFS, '--config', w.config]);
  expect(net.code, net.stderr).toBe(0);
  const passes = await ns.teiki(['passes', 'import', writeCurrentPasses(w), '--config', w.config]);
  expect(passes.code, passes.stderr).toBe(0);
  fx = { root, ns, w, dataDir };
  return fx;
}

/** Sends one console line and resolves with the next log line that answers it. */
async function send(p: TeikiProcess, line: string, msg: string): Promise<Record<string, unknown>> {
  const from = p.lines.length;
  p.send(`${line}\n`);
  return p.waitFor((l) => l.msg === msg, 10_000, from);
}

const tap = (p: TeikiProcess, idm: string, reader: 'boarding' | 'alighting') =>
  send(p, `tap ${idm} ${reader}`, 'tap');

/** The console display's status lines (stderr), newest last. */
/** The console display's status lines: the ones naming the depot link (通信 …). */
function statusLines(p: TeikiProcess): string[] {
  return p.stderr.split('\n').filter((l) => l.includes('通信 '));
}

async function until(test: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function statusJson(f: Fixture): Promise<{ records: Record<string, unknown> }> {
  const r = await f.ns.teiki(['status', '--config', f.w.config, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function recordsList(f: Fixture): Promise<Array<Record<string, unknown>>> {
  const r = await f.ns.teiki(['records', 'list', '--config', f.w.config]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What a tap's log line and its stored record share, to compare them in order. */
const shape = (l: Record<string, unknown>) => ({
  reader: l.reader,
  verdict: l.verdict,
  reason: l.reason,
  pass_id: l.pass_id,
});

/**
 * The read-only part both cases share: taps decided and held, the alarm, status and check; then
 * the remount read-write and the held records written. Returns the held taps' log lines.
 */
async function rideReadOnly(f: Fixture, p: TeikiProcess, storedBefore: number, heldBefore: number) {
  await p.waitFor((l) => l.msg === 'ready', 20_000);
  await until(() => statusLines(p).some((l) => l.includes(ALARM)), 5000, 'the storage alarm');
  await send(p, 'stop 81 kencho-mae', 'stop');
  const held: Array<Record<string, unknown>> = [];
  // The design card alights: its tap-on (stored before, or held just now) is found.
  held.push(await tap(p, DESIGN_IDM, 'alighting'));
  for (let i = 1; i <= 5; i++) held.push(await tap(p, UNKNOWN(i), 'boarding'));
  // Boards again: the ride just closed in memory, so no already_tapped_on.
  await new Promise((r) => setTimeout(r, 600));
  held.push(await tap(p, DESIGN_IDM, 'boarding'));
  for (const l of held) expect(l).toMatchObject({ level: 'warn', held: true });
  expect(held.map((l) => l.in_memory)).toEqual(held.map((_, i) => heldBefore + i + 1));
  expect(held[0]).toMatchObject({ verdict: 'accept', reason: 'ok', fare: 200 });
  expect(held.at(-1)).toMatchObject({ verdict: 'accept', reason: 'ok', reader: 'boarding' });
  expect(p.child.exitCode).toBeNull();

  // `teiki status` hears it from the daemon; `teiki check` reads the read-only store.
  let status: { records: Record<string, unknown> } = { records: {} };
  await until(
    async () => {
      status = await statusJson(f);
      return status.records.pending_in_memory === heldBefore + held.length;
    },
    10_000,
    'status to count the held records',
  );
  expect(status.records).toMatchObject({ storage: 'read_only', pending: storedBefore, lost: 0 });
  // `teiki check` reads the list and the records on disk (the daemon's memory is not its to see):
  // the tap-on of the killed run when there was one, else no record file and no tap-on.
  const check = await f.ns.teiki(
    ['check', DESIGN_IDM, '--config', f.w.config, '--reader', 'alighting'].concat([
      '--route',
      '81',
      '--stop',
      'kencho-mae',
    ]),
  );
  expect(check.code, check.stderr).toBe(0);
  expect(JSON.parse(check.stdout)).toMatchObject(
    storedBefore > 0
      ? { verdict: 'accept', reason: 'ok', pass_id: 'MC-NOW', fare: 200 }
      : { verdict: 'attention', reason: 'no_tap_on' },
  );
  expect(() => f.ns.run('touch', join(f.dataDir, 'probe'))).toThrow(/Read-only file system/);

  const back = p.lines.length;
  f.ns.remount('rw');
  await p.waitFor((l) => l.msg === 'records storage writable again', 15_000, back);
  await until(() => !(statusLines(p).at(-1) ?? ALARM).includes('記録エラー'), 5000, 'the alarm to clear');
  const written = p.lines
    .slice(back)
    .filter((l) => l.msg === 'held records written')
    .reduce((n, l) => n + Number(l.written), 0);
  expect(written).toBe(heldBefore + held.length);
  return { held, written, alarm: statusLines(p).find((l) => l.includes(ALARM)), status };
}

describe('read-only data filesystem', () => {
  it('decides taps on a read-only mount with records kept from a killed run, holds them, and writes them in order when it is writable again', async () => {
    const started = Date.now();
    const f = await setUp();
    // A first run while writable: a tap-on and a refusal committed, then kill -9, which leaves
    // records.sqlite's -wal (with both records in it) and -shm behind.
    let p = f.ns.daemon(f.w.config);
    proc = p;
    await p.waitFor((l) => l.msg === 'ready', 20_000);
    await send(p, 'stop 81 matsue-sta', 'stop');
    const before = [await tap(p, DESIGN_IDM, 'boarding'), await tap(p, UNKNOWN(0), 'boarding')];
    expect(before.map((l) => l.seq)).toEqual([1, 2]);
    p.kill('SIGKILL');
    await p.exited;
    expect(Number(f.ns.run('stat', '-c', '%s', join(f.dataDir, 'records.sqlite-wal')))).toBeGreaterThan(0);

    f.ns.remount('ro');
    p = f.ns.daemon(f.w.config);
    proc = p;
    const { held, written, alarm, status } = await rideReadOnly(f, p, 2, 0);

    const records = await recordsList(f);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(records.map(shape)).toEqual([...before, ...held].map(shape));
    expect(new Set(records.map((r) => r.event_id)).size).toBe(records.length);
    // The held tap-off names the tap-on committed by the killed run.
    expect(records[2]).toMatchObject({ reader: 'alighting', tap_on_event_id: records[0]?.event_id });
    expect((await statusJson(f)).records).toMatchObject({ storage: 'ok', pending_in_memory: 0, pending: 9 });

    // Recording goes on as before: committed at the tap, next seq.
    expect(await tap(p, UNKNOWN(9), 'boarding')).toMatchObject({ level: 'info', seq: 10 });
    p.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    proc = null;
    console.log(
      JSON.stringify({
        fault: 'read-only storage (records kept from a killed run)',
        committed_before: before.length,
        held: held.length,
        written_after_remount: written,
        status_while_read_only: status.records,
        alarm,
        seconds: (Date.now() - started) / 1000,
      }),
    );
  }, 120_000);

  it('starts on a read-only mount where records.sqlite never existed, and creates it with the held records once writable', async () => {
    const started = Date.now();
    const f = await setUp();
    expect(f.ns.run('ls', f.dataDir).split('\n').filter(Boolean).sort()).toEqual([
      'list.sqlite',
      'list.sqlite-shm',
      'list.sqlite-wal',
    ]);
    f.ns.remount('ro');
    const p = f.ns.daemon(f.w.config);
    proc = p;
    await p.waitFor((l) => l.msg === 'ready', 20_000);
    // The tap-on is held too: the tap-off finds it in memory.
    await send(p, 'stop 81 matsue-sta', 'stop');
    const tapOn = await tap(p, DESIGN_IDM, 'boarding');
    expect(tapOn).toMatchObject({ verdict: 'accept', held: true, in_memory: 1 });
    const { held, written, alarm, status } = await rideReadOnly(f, p, 0, 1);

    const records = await recordsList(f);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(records.map(shape)).toEqual([tapOn, ...held].map(shape));
    expect(records[1]).toMatchObject({ reader: 'alighting', tap_on_event_id: records[0]?.event_id });
    expect(new Set(records.map((r) => r.event_id)).size).toBe(records.length);
    p.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    proc = null;
    console.log(
      JSON.stringify({
        fault: 'read-only storage (no records.sqlite yet)',
        held: held.length + 1,
        written_after_remount: written,
        status_while_read_only: status.records,
        alarm,
        seconds: (Date.now() - started) / 1000,
      }),
    );
  }, 120_000);
});
