/**
 * The list-sync worker runs at a lower CPU priority than the taps. On a two-core bus computer a
 * snapshot apply keeps one core busy, and with zlib and garbage-collector helpers beside it the
 * event loop that decides taps can wait a whole scheduler slice (10-20 ms measured) for a core.
 * Linux applies setpriority(PRIO_PROCESS, tid) to one thread only, so niceness on the worker's own
 * thread id (from /proc/thread-self) lets the main thread take the CPU the moment a card is read.
 * Elsewhere, or without /proc, nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

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
