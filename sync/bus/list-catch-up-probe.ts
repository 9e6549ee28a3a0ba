/**
 * Catching up after a (re)connect. The broker queues only so many messages for a bus that is
 * away (mosquitto `max_queued_messages`) and drops the newest beyond that, and retained messages
 * sent at subscribe time while that queue is still full are dropped too: a bus can come back,
 * apply the oldest deltas in perfect order, and never learn that newer ones exist. So once list
 * traffic has been quiet for `gapWaitMs` after a connect, it subscribes again (the queue is empty
 * now) and probes for the retained delta `probeAhead` versions ahead of its list. That delta
 * exists only if the bus is at least that far behind; it arrives as a future delta, and the gap
 * logic closes the gap from the retained deltas or asks for a snapshot.
 */
import { topics } from '../topics.js';
import type { ListSyncSettings, SyncEffects, Timers } from './list-sync-types.js';

export interface ProbeDeps {
  readonly fx: SyncEffects;
  readonly timers: Timers;
  readonly settings: ListSyncSettings;
  /** A snapshot is downloading or applying: wait until it is done. */
  readonly busy: () => boolean;
  /** The depot version of the list in force, or null. */
  readonly have: () => number | null;
  readonly subscribeLists: () => void;
}

export class CatchUpProbe {
  readonly #d: ProbeDeps;
  #quietTimer: unknown = null;
  #probe: { topic: string; timer: unknown } | null = null;

  constructor(deps: ProbeDeps) {
    this.#d = deps;
  }

  /** After a connect: look once the traffic it brings has died down. */
  arm(): void {
    if (this.#quietTimer !== null) this.#d.timers.clear(this.#quietTimer);
    this.#quietTimer = this.#d.timers.set(() => this.#quiet(), this.#d.settings.gapWaitMs);
  }

  /** A list message came: not quiet yet. */
  touch(): void {
    if (this.#quietTimer !== null) this.arm();
  }

  stop(): void {
    if (this.#quietTimer !== null) this.#d.timers.clear(this.#quietTimer);
    this.#quietTimer = null;
    this.#dropProbe();
  }

  #quiet(): void {
    this.#quietTimer = null;
    if (this.#d.busy()) {
      this.arm();
      return;
    }
    this.#dropProbe();
    const have = this.#d.have();
    if (have !== null) {
      const topic = topics.delta(have + this.#d.settings.probeAhead);
      // Subscribed before the lists, so its retained message is queued ahead of theirs.
      this.#d.fx.subscribe([topic]);
      this.#probe = { topic, timer: this.#d.timers.set(() => this.#dropProbe(), this.#d.settings.gapWaitMs) };
    }
    this.#d.subscribeLists();
  }

  /** Dropped soon: a second subscription to a delta topic would deliver a live delta twice. */
  #dropProbe(): void {
    const probe = this.#probe;
    if (!probe) return;
    this.#probe = null;
    this.#d.timers.clear(probe.timer);
    this.#d.fx.unsubscribe([probe.topic]);
  }
}
