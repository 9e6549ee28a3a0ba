/**
 * Batch commands (a local `passes import`) run beside `teiki run` on a two-core bus computer and
 * must not take the cores the tap loop needs (issue 12: taps during a 300,000-pass import at
 * p99 17.7 ms, max 139 ms). A batch job lowers its whole process to nice 10, the niceness the
 * daemon's own list-sync worker runs at (sync/bus/list-thread-priority.ts), so it gets a core
 * whenever the daemon's main thread does not want it, and waits when it does.
 *
 * Linux keeps the nice value per thread (setpriority(PRIO_PROCESS, tid); os.setPriority(0, n)
 * lowers the calling thread only), so every thread present is lowered: the main thread, V8's
 * platform threads (GC, compiler) and libuv's pool. Threads started later inherit their creator's
 * value. A process at nice 0 may lower itself but never raise itself back without privileges;
 * it has no need to. Elsewhere, or without /proc, nothing changes.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The niceness of batch jobs: the list-sync worker's. */
export const BATCH_NICE = 10;

/** `teiki passes import …` and `teiki network import …`: whole-list writes, never urgent. */
export function isBatchCommand(args: readonly string[]): boolean {
  return (args[0] === 'passes' || args[0] === 'network') && args[1] === 'import';
}

/** Returns how many of this process's threads run at `nice` (or lower priority) now. */
export function lowerProcessPriority(nice = BATCH_NICE): number {
  if (process.platform !== 'linux') return 0;
  let lowered = 0;
  try {
    for (const name of readdirSync('/proc/self/task')) {
      const tid = Number(name);
      if (!Number.isSafeInteger(tid) || tid <= 0) continue;
      try {
        if (getPriority(tid) < nice) setPriority(tid, nice);
        lowered++;
      } catch {
        // A thread that ended meanwhile: nothing to lower.
      }
    }
  } catch {
    // No /proc: leave the priority as it is.
  }
  return lowered;
}
