/**
 * Preloaded into a real `teiki run` by the import-taps bench (`node --import <this file> …`), so
 * the daemon's own event loop is measured without a line of bench code in the daemon. The first
 * SIGUSR2 starts a window; the second ends it and writes the window as JSON to the file named by
 * TEIKI_BENCH_PROBE (written beside it, then renamed, so a reader never sees half of it):
 * - the perf_hooks event-loop delay histogram at 1 ms resolution;
 * - the main thread's GC pauses over 1 ms;
 * - each tap (TapPipeline.tap, wrapped here) without its durable record commit (RecordStore.commitTap,
 *   wrapped too): the decision, the span the snapshot bench times as tap_during_apply_ms, plus
 *   showing the verdict;
 * - for each record commit, the time the main thread was blocked in it: wall time minus running
 *   and waiting for a CPU (its schedstat), i.e. waiting for the disk (the fsync of
 *   synchronous=FULL). What a machine's load does to a tap shows as CPU waits; what another
 *   process's writes do shows here;
 * - every gap over 10 ms between two ticks of a 1 ms timer, split by the main thread's schedstat
 *   into running, waiting for a CPU and neither (blocked), as the snapshot bench does for its own
 *   main thread (snapshot.ts): whether a stall was the daemon's work, the machine, or the disk.
 * Without TEIKI_BENCH_PROBE it does nothing.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { TapPipeline } from '../../device/pipeline/tap-pipeline.js';
import { RecordStore } from '../../device/store/record-store.js';

export interface ProbeWindow {
  /** Event-loop delay in ns, as the histogram records it (its resolution included). */
  delay_ns: { p50: number; p99: number; max: number; n: number };
  /** Main-thread GC pauses over 1 ms in the window: duration in ms. */
  gc_ms: number[];
  /** Per tap in the window: ms in the pipeline but for the record commit. */
  decision_ms: number[];
  /** Per record commit in the window: ms blocked (neither running nor waiting for a CPU). */
  commit_blocked_ms: number[];
  /** Gaps over 10 ms between ticks: ms since the window opened, gap, running, waiting for a CPU. */
  stalls: Array<{ at: number; ms: number; running: number; waiting: number }>;
}

/** The main thread's [ns running, ns waiting for a CPU]. */
function schedstat(): [number, number] {
  const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
  return [Number(run), Number(wait)];
}

function onCpuNs(): number {
  const [run, wait] = schedstat();
  return run + wait;
}

const out = process.env.TEIKI_BENCH_PROBE;
if (out) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let gcs: number[] = [];
  let blocked: number[] = [];
  let decisions: number[] = [];
  /** Wall ms of the record commits within the tap in progress. */
  let committing = 0;
  let stalls: ProbeWindow['stalls'] = [];
  let open = false;
  let since = 0;
  let last = 0;
  let lastSched: [number, number] = [0, 0];
  let ticker: NodeJS.Timeout | null = null;
  const tick = () => {
    const now = performance.now();
    const sched = schedstat();
    if (now - last > 10) {
      stalls.push({
        at: Math.round(last - since),
        ms: Math.round(now - last),
        running: Math.round((sched[0] - lastSched[0]) / 1e6),
        waiting: Math.round((sched[1] - lastSched[1]) / 1e6),
      });
    }
    last = now;
    lastSched = sched;
  };
  const gcWatch = new PerformanceObserver((list) => {
    if (!open) return;
    for (const e of list.getEntries()) if (e.duration > 1) gcs.push(Math.round(e.duration * 100) / 100);
  });
  gcWatch.observe({ entryTypes: ['gc'] });
  const commitTap = RecordStore.prototype.commitTap;
  RecordStore.prototype.commitTap = function (this: RecordStore, ...args: Parameters<typeof commitTap>) {
    if (!open) return commitTap.apply(this, args);
    // The probe's own reads count as the commit's, not the decision's.
    const t0 = performance.now();
    const cpu = onCpuNs();
    const t1 = performance.now();
    try {
      return commitTap.apply(this, args);
    } finally {
      const wall = performance.now() - t1;
      const onCpu = (onCpuNs() - cpu) / 1e6;
      committing += performance.now() - t0;
      blocked.push(Math.max(0, Math.round((wall - onCpu) * 1000) / 1000));
    }
  };
  const tap = TapPipeline.prototype.tap;
  TapPipeline.prototype.tap = function (this: TapPipeline, ...args: Parameters<typeof tap>) {
    if (!open) return tap.apply(this, args);
    committing = 0;
    const t = performance.now();
    try {
      return tap.apply(this, args);
    } finally {
      decisions.push(Math.round((performance.now() - t - committing) * 1000) / 1000);
    }
  };
  process.on('SIGUSR2', () => {
    if (!open) {
      open = true;
      gcs = [];
      blocked = [];
      decisions = [];
      stalls = [];
      delay.reset();
      delay.enable();
      since = last = performance.now();
      lastSched = schedstat();
      ticker = setInterval(tick, 1);
      return;
    }
    open = false;
    delay.disable();
    if (ticker) clearInterval(ticker);
    const window: ProbeWindow = {
      delay_ns: {
        p50: delay.percentile(50),
        p99: delay.percentile(99),
        max: delay.max,
        n: delay.count,
      },
      gc_ms: gcs,
      decision_ms: decisions,
      commit_blocked_ms: blocked,
      stalls,
    };
    writeFileSync(`${out}.part`, JSON.stringify(window));
    renameSync(`${out}.part`, out);
  });
}
