/**
 * Calling a gap a gap. Deltas held because one before them is missing wait `gapWaitMs` (retained
 * deltas come back in any order after a reconnect, and the missing one is often just behind);
 * then the gap is counted once (`gap`), a resync is asked and the lists are subscribed again
 * (which brings the retained manifest and deltas back), and that is repeated every
 * `resyncEveryMs` while deltas still wait. A snapshot being fetched or applied will settle it, so
 * the watch only looks again meanwhile.
 */
import { SyncRejection } from '../rejection.js';
import type { ListSyncSettings, ResyncReason, Timers } from './list-sync-types.js';

export interface GapWatchDeps {
  readonly timers: Timers;
  readonly settings: ListSyncSettings;
  /** The lowest from_version held, or null when no delta waits. */
  readonly waitingFrom: () => number | null;
  readonly busy: () => boolean;
  readonly have: () => number | null;
  readonly count: (rejection: SyncRejection) => void;
  readonly resync: (reason: ResyncReason, have: number | null) => void;
  readonly subscribeLists: () => void;
}

export class GapWatch {
  readonly #d: GapWatchDeps;
  #timer: unknown = null;
  #called = false;

  constructor(deps: GapWatchDeps) {
    this.#d = deps;
  }

  /** Deltas wait: start the clock unless it runs already. */
  arm(): void {
    if (this.#timer !== null) return;
    const wait = this.#called ? this.#d.settings.resyncEveryMs : this.#d.settings.gapWaitMs;
    this.#timer = this.#d.timers.set(() => this.#due(), wait);
  }

  /** Nothing waits any more (or the list moved on): forget the gap. */
  clear(): void {
    if (this.#timer !== null) this.#d.timers.clear(this.#timer);
    this.#timer = null;
    this.#called = false;
  }

  #due(): void {
    this.#timer = null;
    const from = this.#d.waitingFrom();
    if (from === null) return;
    if (!this.#d.busy()) {
      const have = this.#d.have();
      if (!this.#called) {
        this.#called = true;
        this.#d.count(
          new SyncRejection('gap', `list ${have ?? 'none'} in force, deltas wait from version ${from}`),
        );
      }
      this.#d.resync(have === null ? 'no_list' : 'gap', have);
      this.#d.subscribeLists();
    }
    this.arm();
  }
}
