/**
 * tap_during_import_ms (issue 12): taps through the real daemon while a real local import
 * replaces its list. `teiki run` (console `sim` reader and stop source, console display, no sync)
 * holds the bench's N-pass list; the bench taps a card on its stdin every TAP_EVERY_MS while
 * `teiki passes import` of a generated N-pass sales export (the next day's, simulator/
 * generate-passes.ts) runs as its own process on the same data_dir, as a depot hand would run it.
 * The window is from the import's spawn to its exit plus TAIL_MS (the daemon's first reads of
 * the new list). Reported, per run merged:
 * - tap_during_import_ms: the daemon's own `latency_ms` of each tap in the window (the pipeline
 *   from card event to the durable record commit and the verdict shown);
 * - tap_round_trip_during_import_ms: from the bench writing the tap line to reading its `tap` log
 *   line: also the time a tap waited for the daemon's event loop;
 * - event_loop_delay_during_import_ms: the daemon's perf_hooks histogram (loop-probe.ts, preloaded
 *   with --import), its 1 ms sampling resolution subtracted, as for the snapshot apply;
 * - daemon_waiting_for_cpu_ms: the daemon's main thread runnable but not running in the window
 *   (/proc/PID/task/PID/schedstat), and its GC pauses over 1 ms;
 * - import_s: the import process from spawn to exit.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { generatedIdm, writePassesCsv } from '../../simulator/generate-passes.js';
import { Daemon, type Line, TEIKI } from './daemon.js';
import { listFixture, ROOT, SEED } from './list-fixture.js';
import type { ProbeWindow } from './loop-probe.js';
import { type Dist, dist } from './stats.js';

export interface ImportTapsResult {
  tap_during_import_ms: Dist;
  tap_round_trip_during_import_ms: Dist;
  event_loop_delay_during_import_ms: Dist;
  daemon_waiting_for_cpu_ms: number;
  daemon_gc_over_1ms: number;
  import_s: number;
  import_runs: number;
  load_average: number[];
}

const TAP_EVERY_MS = 25;
const TAIL_MS = 1_000;
const WARM_UP_TAPS = 20;
/** The export is the next day's: the same passes and cards, dates one day on. */
const NEXT_START = '2026-04-02';
const PROBE = join(ROOT, 'dist/test/bench/loop-probe.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The main thread's [ns running, ns runnable but waiting for a CPU]. */
function schedstat(pid: number): [number, number] {
  const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return [run ?? 0, wait ?? 0];
}

async function exportFixture(passes: number, log: (msg: string) => void): Promise<string> {
  const dir = join(tmpdir(), 'teiki-bench');
  mkdirSync(dir, { recursive: true });
  const csv = join(dir, `export-${passes}-s${SEED}-${NEXT_START}.csv`);
  if (existsSync(csv)) return csv;
  log(`import-taps: generating a ${passes}-pass export`);
  await writePassesCsv(`${csv}.part`, passes, { seed: SEED, start: NEXT_START });
  copyFileSync(`${csv}.part`, csv);
  rmSync(`${csv}.part`);
  return csv;
}

function runImport(csv: string, config: string): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const nice = process.env.BENCH_IMPORT_NICE;
    const cmd = [process.execPath, TEIKI, 'passes', 'import', csv, '--config', config];
    if (nice) cmd.unshift('nice', '-n', nice);
    const child = spawn(cmd[0]!, cmd.slice(1), {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-4096);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, err }));
  });
}

/** Closes the probe's window and reads it. */
async function probeWindow(d: Daemon, file: string): Promise<ProbeWindow> {
  d.child.kill('SIGUSR2');
  for (let i = 0; i < 500 && !existsSync(file); i++) await sleep(10);
  const w = JSON.parse(readFileSync(file, 'utf8')) as ProbeWindow;
  rmSync(file);
  return w;
}

export async function benchImportTaps(
  passes: number,
  runs: number,
  log: (msg: string) => void = () => undefined,
): Promise<ImportTapsResult> {
  const fixture = await listFixture(passes, log);
  const csv = await exportFixture(passes, log);
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
  const probeFile = join(dir, 'probe.json');
  const d = new Daemon(config, ['--import', pathToFileURL(PROBE).href], { TEIKI_BENCH_PROBE: probeFile });
  const latency: number[] = [];
  const roundTrip: number[] = [];
  const delays: number[] = [];
  let delayMax = 0;
  let delayCount = 0;
  let waitingNs = 0;
  let gcs = 0;
  let importMs = 0;
  const load: number[] = [];
  try {
    await d.waitFor((l) => l.msg === 'ready', 'ready line');
    const pid = d.child.pid!;
    d.child.stdin.write('stop 81 matsue-sta\n');
    // Taps go in order through one stdin and come out in order: the k-th `tap` line is tap k.
    const sent: number[] = [];
    const received: Array<{ at: number; line: Line }> = [];
    d.onLine((line) => {
      if (line.msg === 'tap') received.push({ at: performance.now(), line });
    });
    let k = 0;
    const tap = () => {
      sent.push(performance.now());
      d.child.stdin.write(`tap ${generatedIdm((k++ * 7919) % passes, SEED)}\n`);
    };
    for (let i = 0; i < WARM_UP_TAPS; i++) tap();
    while (received.length < WARM_UP_TAPS) await sleep(20);

    for (let r = 0; r < runs; r++) {
      const tapper = setInterval(tap, TAP_EVERY_MS);
      await sleep(200);
      const sched0 = schedstat(pid);
      d.child.kill('SIGUSR2'); // opens the probe's window
      const from = performance.now();
      const loadBefore = loadavg()[0]!;
      const imp = await runImport(csv, config);
      const importEnd = performance.now();
      if (imp.code !== 0) throw new Error(`teiki passes import exited ${imp.code}: ${imp.err}`);
      await sleep(TAIL_MS);
      const to = performance.now();
      const window = await probeWindow(d, probeFile);
      const sched1 = schedstat(pid);
      clearInterval(tapper);
      while (received.length < sent.length) await sleep(20);
      const slow: string[] = [];
      for (let i = 0; i < sent.length; i++) {
        const at = sent[i]!;
        if (at < from || at > to) continue;
        const l = Number(received[i]!.line.latency_ms);
        latency.push(l);
        roundTrip.push(received[i]!.at - at);
        if (l > 5 || received[i]!.at - at > 20)
          slow.push(`${Math.round(l)}/${Math.round(received[i]!.at - at)}ms@${Math.round(at - from)}`);
      }
      if (process.env.BENCH_STALLS)
        log(
          `import-taps: import ended at ${Math.round(importEnd - from)} ms; slow taps (latency/round trip): ${slow.join(' ')}`,
        );
      // The histogram samples every 1 ms; what it records includes that interval.
      const ms = (ns: number) => Math.max(0, ns / 1e6 - 1);
      delays.push(ms(window.delay_ns.p50), ms(window.delay_ns.p99));
      delayMax = Math.max(delayMax, ms(window.delay_ns.max));
      delayCount += window.delay_ns.n;
      waitingNs += sched1[1] - sched0[1];
      gcs += window.gc_ms.length;
      importMs += importEnd - from;
      load.push(round(loadBefore), round(loadavg()[0]!));
      log(
        `import-taps: run ${r + 1}/${runs}: import ${round((importEnd - from) / 1000)} s, ` +
          `loop max ${round(ms(window.delay_ns.max))} ms, main thread waited ` +
          `${round((sched1[1] - sched0[1]) / 1e6)} ms for a CPU, GC>1ms ${window.gc_ms.join(' ') || 'none'}, ` +
          `load ${round(loadBefore)}→${round(loadavg()[0]!)}`,
      );
    }
    d.child.kill('SIGTERM');
    const code = await Promise.race([d.exited, sleep(15_000).then(() => 'timeout')]);
    if (code !== 0) throw new Error(`daemon did not exit 0 on SIGTERM (${String(code)})`);
  } finally {
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  // Per-run p50/p99 of the loop are summarised by their worst run; max and n over all runs.
  const worst = (i: number) => Math.max(...delays.filter((_, j) => j % 2 === i));
  return {
    tap_during_import_ms: dist(latency, 3),
    tap_round_trip_during_import_ms: dist(roundTrip, 3),
    event_loop_delay_during_import_ms: {
      p50: round(worst(0)),
      p99: round(worst(1)),
      max: round(delayMax),
      n: delayCount,
    },
    daemon_waiting_for_cpu_ms: round(waitingNs / 1e6, 1),
    daemon_gc_over_1ms: gcs,
    import_s: round(importMs / runs / 1000),
    import_runs: runs,
    load_average: load,
  };
}

// `node dist/test/bench/import-taps.js [passes] [runs]`: this measurement alone.
if (process.argv[1]?.endsWith('/bench/import-taps.js')) {
  const passes = Number(process.argv[2] ?? 300_000);
  const runs = Number(process.argv[3] ?? 3);
  benchImportTaps(passes, runs, (m) => process.stderr.write(`bench: ${m}\n`)).then(
    (r) => process.stdout.write(`${JSON.stringify({ passes, ...r }, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`bench: ${String((err as Error).stack ?? err)}\n`);
      process.exitCode = 1;
    },
  );
}
