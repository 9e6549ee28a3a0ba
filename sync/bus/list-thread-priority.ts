/**
 * The list-sync worker runs at a lower CPU priority than the taps. On a two-core bus computer a
 * snapshot apply keeps one core busy, and with zlib and garbage-collector helpers beside it the
 * event loop that decides taps can wait a whole scheduler slice (10-20 ms measured) for a core.
 * Linux applies setpriority(PRIO_PROCESS, tid) to one thread only, so niceness on the worker's own
 * thread id (from /proc/thread-self) lets the main thread take the CPU the moment a card is read.
 * Elsewhere, or without /proc, nothing changes.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Returns the thread id it lowered, or null when it could not. */
export function lowerThisThreadPriority(nice = 10): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return null;
    setPriority(tid, nice);
    return tid;
  } catch {
    return null;
  }
}

/**
 * Lowers every thread of this process but the main one (the tap loop): the list-sync worker, and
 * also V8's platform threads, which run the worker heap's concurrent GC work (a million-row apply
 * makes plenty) at normal priority and were measured holding the second core while the event
 * loop waited for a CPU (issue 6, README "Speed"). libuv's pool threads go too: the tap path is
 * synchronous on the main thread and never waits for them. Threads created later by a lowered
 * thread inherit its niceness. Returns how many threads it lowered.
 */
export function lowerHelperThreadsPriority(nice = 10): number {
  if (process.platform !== 'linux') return 0;
  let lowered = 0;
  try {
    for (const name of readdirSync('/proc/self/task')) {
      const tid = Number(name);
      if (!Number.isSafeInteger(tid) || tid === process.pid) continue;
      try {
        if (getPriority(tid) < nice) setPriority(tid, nice);
        lowered++;
      } catch {
        // A thread that ended meanwhile, or one we may not touch: leave it.
      }
    }
  } catch {
    // No /proc: nothing (more) to lower.
  }
  return lowered;
}
