/**
 * Preloaded into a real `teiki run` by the import-taps bench (`node --import <this file> …`), so
 * the daemon's own event loop is measured without a line of bench code in the daemon. The first
 * SIGUSR2 starts a window (the perf_hooks event-loop delay histogram at 1 ms resolution, and the
 * main thread's GC pauses); the second ends it and writes the window as JSON to the file named
 * by TEIKI_BENCH_PROBE (written beside it, then renamed, so a reader never sees half of it).
 * Without TEIKI_BENCH_PROBE it does nothing.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface ProbeWindow {
  /** Event-loop delay in ns, as the histogram records it (its resolution included). */
  delay_ns: { p50: number; p99: number; max: number; n: number };
  /** Main-thread GC pauses over 1 ms in the window: duration in ms. */
  gc_ms: number[];
}

const out = process.env.TEIKI_BENCH_PROBE;
if (out) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let gcs: number[] = [];
  let open = false;
  const gcWatch = new PerformanceObserver((list) => {
    if (!open) return;
    for (const e of list.getEntries()) if (e.duration > 1) gcs.push(Math.round(e.duration * 100) / 100);
  });
  gcWatch.observe({ entryTypes: ['gc'] });
  process.on('SIGUSR2', () => {
    if (!open) {
      open = true;
      gcs = [];
      delay.reset();
      delay.enable();
      return;
    }
    open = false;
    delay.disable();
    const window: ProbeWindow = {
      delay_ns: {
        p50: delay.percentile(50),
        p99: delay.percentile(99),
        max: delay.max,
        n: delay.count,
      },
      gc_ms: gcs,
    };
    writeFileSync(`${out}.part`, JSON.stringify(window));
    renameSync(`${out}.part`, out);
  });
}
