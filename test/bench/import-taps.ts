/**
 * tap_during_import_ms (issue 12): taps through the real daemon while a real local import
 * replaces its list. `teiki run` (console `sim` reader and stop source, console display, no sync)
 * holds the bench's N-pass list; the bench taps a card on its stdin every TAP_EVERY_MS while
 * `teiki passes import` runs as its own process on the same data_dir, as a depot hand runs it.
 * Two cases, each import alternating between two generated exports (simulator/generate-passes.ts)
 * so that every run changes the list as much as the first:
 * - 'nightly': the bus holds the list of the export before; 1% of passes come or go;
 * - 'whole': every pass changes (all dates move a day), so the list is written whole.
 * Each import's window runs from its spawn to its exit plus TAIL_MS (the daemon's first reads of
 * the new list); before the first, a window of the same taps without an import, for the machine's
 * own noise. Reported, the runs merged:
 * - tap_during_import_ms: each tap in the daemon but for its durable record commit (loop-probe.ts):
 *   the decision, what tap_during_apply_ms times in the snapshot bench, plus showing the verdict;
 * - tap_with_record_commit_during_import_ms: the daemon's own `latency_ms` of each tap, from the
 *   card event to the record committed (synchronous=FULL) and the verdict shown;
 * - tap_round_trip_during_import_ms: from the bench writing the tap line to reading its `tap` log
 *   line, so also the time a tap waited for the daemon's event loop;
 * - event_loop_delay_during_import_ms: the daemon's perf_hooks histogram, its 1 ms sampling
 *   resolution subtracted, as for the snapshot apply;
 * - record_commit_blocked_during_import_ms: per tap, the time the daemon's main thread was blocked
 *   in the record commit, neither running nor waiting for a CPU: the fsync waiting for the disk.
 *   Other processes' writes show here, the machine's load does not;
 * - stalls_over_10ms_during_import: every gap over 10 ms between ticks of a 1 ms timer in the
 *   daemon, split into running, waiting for a CPU and neither;
 * - daemon_waiting_for_cpu_during_import_ms: the daemon's main thread runnable but not running,
 *   summed over the windows (/proc/PID/task/PID/schedstat), and its GC pauses over 1 ms;
 * - tap_without_import_ms and the others `_without_import_`: the window without an import;
 * - import_s: the import process from spawn to exit (mean of the runs).
 * BENCH_STALLS=1 also logs every slow tap and every stall with its time in the window.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { generatedIdm, writePassesCsv } from '../../simulator/generate-passes.js';
import { Daemon, type Line, TEIKI } from './daemon.js';
import { listFixture, ROOT, SEED, START } from './list-fixture.js';
import type { ProbeWindow } from './loop-probe.js';
import { type Dist, dist } from './stats.js';

export type ImportCase = 'nightly' | 'whole';

export interface Stalls {
  count: number;
  running_ms: number;
  waiting_for_cpu_ms: number;
  /** Neither running nor waiting for a CPU: blocked (the disk) or asleep. */
  other_ms: number;
}

export interface ImportTapsResult {
  import_case: ImportCase;
  tap_during_import_ms: Dist;
  tap_with_record_commit_during_import_ms: Dist;
  tap_round_trip_during_import_ms: Dist;
  event_loop_delay_during_import_ms: Dist;
  tap_without_import_ms: Dist;
  tap_with_record_commit_without_import_ms: Dist;
  event_loop_delay_without_import_ms: Dist;
  record_commit_blocked_during_import_ms: Dist;
  record_commit_blocked_without_import_ms: Dist;
  /** Gaps over 10 ms between ticks of a 1 ms timer in the daemon, split (loop-probe.ts). */
  stalls_over_10ms_during_import: Stalls;
  daemon_waiting_for_cpu_during_import_ms: number;
  daemon_gc_over_1ms_during_import: number;
  import_s: number;
  import_runs: number;
  /** 1-minute load average before and after each import. */
  load_average_during_import: number[];
}

const TAP_EVERY_MS = 25;
const TAIL_MS = 1_000;
const QUIET_MS = 5_000;
const WARM_UP_TAPS = 20;
/** The export of the next day: the same passes and cards, every date a day on. */
const NEXT_START = '2026-04-02';
const PROBE = join(ROOT, 'dist/test/bench/loop-probe.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
/** The histogram samples every 1 ms; what it records includes that interval. */
const loopMs = (ns: number) => Math.max(0, ns / 1e6 - 1);

/** The main thread's ns runnable but waiting for a CPU. */
function waitingNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1] ?? 0);
}

/** A generated export, cached by size and start like the list fixture. */
async function exportFile(passes: number, start: string, log: (msg: string) => void): Promise<string> {
  const dir = join(tmpdir(), 'teiki-bench');
  mkdirSync(dir, { recursive: true });
  const csv = join(dir, `export-${passes}-s${SEED}-${start}.csv`);
  if (existsSync(csv)) return csv;
  log(`import-taps: generating a ${passes}-pass export for ${start}`);
  await writePassesCsv(`${csv}.part`, passes, { seed: SEED, start });
  renameSync(`${csv}.part`, csv);
  return csv;
}

function runImport(csv: string, config: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TEIKI, 'passes', 'import', csv, '--config', config], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-4096);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`teiki passes import exited ${code}: ${err}`)),
    );
  });
}

/** The daemon with the probe preloaded, and its taps: the k-th `tap` line answers tap k. */
class TappedDaemon {
  readonly d: Daemon;
  readonly #probeFile: string;
  readonly #passes: number;
  readonly sent: number[] = [];
  readonly received: Array<{ at: number; line: Line }> = [];
  #k = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(config: string, probeFile: string, passes: number) {
    this.#probeFile = probeFile;
    this.#passes = passes;
    this.d = new Daemon(config, ['--import', pathToFileURL(PROBE).href], { TEIKI_BENCH_PROBE: probeFile });
    this.d.onLine((line) => {
      if (line.msg === 'tap') this.received.push({ at: performance.now(), line });
    });
  }

  tap(): void {
    this.sent.push(performance.now());
    // Every tap another card: a card tapped twice within the duplicate window is not decided.
    this.d.child.stdin.write(`tap ${generatedIdm((this.#k++ * 7919) % this.#passes, SEED)}\n`);
  }

  startTapping(): void {
    this.#timer = setInterval(() => this.tap(), TAP_EVERY_MS);
  }

  async stopTapping(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    for (let i = 0; i < 500 && this.received.length < this.sent.length; i++) await sleep(20);
    if (this.received.length < this.sent.length) throw new Error('the daemon did not answer every tap');
  }

  /** First SIGUSR2: the probe opens a window. */
  openProbe(): void {
    this.d.child.kill('SIGUSR2');
  }

  /** Second SIGUSR2: the probe closes the window and writes it. */
  async closeProbe(): Promise<ProbeWindow> {
    this.d.child.kill('SIGUSR2');
    for (let i = 0; i < 500 && !existsSync(this.#probeFile); i++) await sleep(10);
    const w = JSON.parse(readFileSync(this.#probeFile, 'utf8')) as ProbeWindow;
    rmSync(this.#probeFile);
    return w;
  }
}

/** What the windows of one kind (with or without an import) gathered. */
class Samples {
  readonly latency: number[] = [];
  readonly decision: number[] = [];
  readonly roundTrip: number[] = [];
  readonly slow: string[] = [];
  readonly blocked: number[] = [];
  readonly stalls: Stalls = { count: 0, running_ms: 0, waiting_for_cpu_ms: 0, other_ms: 0 };
  readonly stallList: string[] = [];
  loopP50 = 0;
  loopP99 = 0;
  loopMax = 0;
  loopN = 0;
  waitingNs = 0;
  gcs = 0;

  take(t: TappedDaemon, from: number, to: number, w: ProbeWindow, waited: number): void {
    for (let i = 0; i < t.sent.length; i++) {
      const at = t.sent[i]!;
      const got = t.received[i];
      if (!got || at < from || at > to) continue;
      const latency = Number(got.line.latency_ms);
      this.latency.push(latency);
      this.roundTrip.push(got.at - at);
      if (latency > 2 || got.at - at > 10)
        this.slow.push(`${latency.toFixed(1)}/${(got.at - at).toFixed(1)}ms@${Math.round(at - from)}`);
    }
    // Per-window p50/p99 of the loop are summarised by the worst window; max and n over all.
    this.loopP50 = Math.max(this.loopP50, loopMs(w.delay_ns.p50));
    this.loopP99 = Math.max(this.loopP99, loopMs(w.delay_ns.p99));
    this.loopMax = Math.max(this.loopMax, loopMs(w.delay_ns.max));
    this.loopN += w.delay_ns.n;
    this.waitingNs += waited;
    this.gcs += w.gc_ms.length;
    this.blocked.push(...w.commit_blocked_ms);
    this.decision.push(...w.decision_ms);
    for (const g of w.stalls) {
      this.stalls.count++;
      this.stalls.running_ms += g.running;
      this.stalls.waiting_for_cpu_ms += g.waiting;
      this.stalls.other_ms += Math.max(0, g.ms - g.running - g.waiting);
      this.stallList.push(`${g.ms}ms@${g.at}(r${g.running},w${g.waiting})`);
    }
  }

  loop(): Dist {
    return { p50: round(this.loopP50), p99: round(this.loopP99), max: round(this.loopMax), n: this.loopN };
  }
}

export async function benchImportTaps(
  passes: number,
  runs: number,
  log: (msg: string) => void = () => undefined,
  which: ImportCase = 'nightly',
): Promise<ImportTapsResult> {
  const fixture = await listFixture(passes, log);
  // The fixture's own export, and the other one each import alternates with.
  const exports = [
    await exportFile(
      which === 'nightly' ? passes + Math.floor(passes / 100) : passes,
      which === 'nightly' ? START : NEXT_START,
      log,
    ),
    await exportFile(passes, START, log),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'teiki-bench-import-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  copyFileSync(fixture, join(dataDir, 'list.sqlite'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      vehicle: { id: 'bench-bus', operator: 'matsue-city' },
      data_dir: dataDir,
      readers: [{ driver: 'sim', role: 'boarding' }],
      stop_source: { driver: 'sim' },
      display: { driver: 'console' },
    }),
  );
  const t = new TappedDaemon(config, join(dir, 'probe.json'), passes);
  const during = new Samples();
  const quiet = new Samples();
  let importMs = 0;
  const load: number[] = [];
  try {
    await t.d.waitFor((l) => l.msg === 'ready', 'ready line');
    const pid = t.d.child.pid!;
    t.d.child.stdin.write('stop 81 matsue-sta\n');
    for (let i = 0; i < WARM_UP_TAPS; i++) t.tap();
    await t.stopTapping();

    // One window of taps without an import; then one per import.
    for (let r = -1; r < runs; r++) {
      t.startTapping();
      await sleep(200);
      const waited0 = waitingNs(pid);
      t.openProbe();
      const from = performance.now();
      const loadBefore = loadavg()[0]!;
      if (r < 0) await sleep(QUIET_MS);
      else await runImport(exports[r % 2]!, config);
      const ended = performance.now();
      await sleep(TAIL_MS);
      const to = performance.now();
      const w = await t.closeProbe();
      const waited = waitingNs(pid) - waited0;
      await t.stopTapping();
      const into = r < 0 ? quiet : during;
      const slowBefore = into.slow.length;
      const stallsBefore = into.stallList.length;
      into.take(t, from, to, w, waited);
      if (r >= 0) {
        importMs += ended - from;
        load.push(round(loadBefore), round(loadavg()[0]!));
      }
      log(
        `import-taps (${which}): ${r < 0 ? 'no import' : `import ${r + 1}/${runs}: ${round((ended - from) / 1000)} s`}, ` +
          `loop max ${round(loopMs(w.delay_ns.max))} ms, main thread waited ${round(waited / 1e6)} ms ` +
          `for a CPU, record commits blocked on the disk up to ${round(Math.max(0, ...w.commit_blocked_ms))} ms, ` +
          `GC > 1 ms: ${w.gc_ms.join(' ') || 'none'}, load ${round(loadBefore)} → ${round(loadavg()[0]!)}`,
      );
      if (process.env.BENCH_STALLS) {
        log(
          `  ended at ${Math.round(ended - from)} ms; slow taps (latency/round trip@ms): ${into.slow.slice(slowBefore).join(' ')}`,
        );
        log(
          `  daemon stalls over 10 ms (gap@ms, running, waiting for a CPU): ${into.stallList.slice(stallsBefore).join(' ')}`,
        );
      }
    }
    t.d.child.kill('SIGTERM');
    const code = await Promise.race([t.d.exited, sleep(15_000).then(() => 'timeout')]);
    if (code !== 0) throw new Error(`daemon did not exit 0 on SIGTERM (${String(code)})`);
  } finally {
    if (t.d.child.exitCode === null) t.d.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    import_case: which,
    tap_during_import_ms: dist(during.decision, 3),
    tap_with_record_commit_during_import_ms: dist(during.latency, 3),
    tap_round_trip_during_import_ms: dist(during.roundTrip, 3),
    event_loop_delay_during_import_ms: during.loop(),
    tap_without_import_ms: dist(quiet.decision, 3),
    tap_with_record_commit_without_import_ms: dist(quiet.latency, 3),
    event_loop_delay_without_import_ms: quiet.loop(),
    record_commit_blocked_during_import_ms: dist(during.blocked, 3),
    record_commit_blocked_without_import_ms: dist(quiet.blocked, 3),
    stalls_over_10ms_during_import: during.stalls,
    daemon_waiting_for_cpu_during_import_ms: round(during.waitingNs / 1e6, 1),
    daemon_gc_over_1ms_during_import: during.gcs,
    import_s: round(importMs / runs / 1000),
    import_runs: runs,
    load_average_during_import: load,
  };
}

// `node dist/test/bench/import-taps.js [passes] [runs] [nightly|whole]`: this measurement alone.
if (process.argv[1]?.endsWith('/bench/import-taps.js')) {
  const passes = Number(process.argv[2] ?? 300_000);
  const runs = Number(process.argv[3] ?? 3);
  const which = process.argv[4] === 'whole' ? 'whole' : 'nightly';
  benchImportTaps(passes, runs, (m) => process.stderr.write(`bench: ${m}\n`), which).then(
    (r) => process.stdout.write(`${JSON.stringify({ passes, ...r }, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`bench: ${String((err as Error).stack ?? err)}\n`);
      process.exitCode = 1;
    },
  );
}
