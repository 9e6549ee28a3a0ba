/**
 * Verified deltas that cannot be applied yet: they arrived ahead of a missing one (retained
 * deltas come back in any order after a reconnect), or while a snapshot is being applied. Keyed
 * by `from_version`; bounded, keeping the ones nearest the list in force (they are the first to
 * become useful, and a snapshot covers whatever is dropped).
 */
import type { Delta } from '../schemas/delta.js';

export class PendingDeltas {
  readonly #byFrom = new Map<number, Delta>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  get size(): number {
    return this.#byFrom.size;
  }

  /** Holds a delta; false when it was dropped (the buffer is full of nearer ones). */
  add(delta: Delta): boolean {
    if (this.#byFrom.has(delta.from_version)) return true;
    if (this.#byFrom.size >= this.#max) {
      const furthest = Math.max(...this.#byFrom.keys());
      if (delta.from_version > furthest) return false;
      this.#byFrom.delete(furthest);
    }
    this.#byFrom.set(delta.from_version, delta);
    return true;
  }

  /** The delta that follows `version`, removed from the buffer; older ones are dropped. */
  takeNext(version: number): Delta | null {
    for (const from of this.#byFrom.keys()) if (from < version) this.#byFrom.delete(from);
    const next = this.#byFrom.get(version) ?? null;
    if (next) this.#byFrom.delete(version);
    return next;
  }

  /** Every held delta, nearest first (for re-judging after a snapshot). */
  drain(): Delta[] {
    const all = [...this.#byFrom.values()].sort((a, b) => a.from_version - b.from_version);
    this.#byFrom.clear();
    return all;
  }

  lowest(): number | null {
    return this.#byFrom.size === 0 ? null : Math.min(...this.#byFrom.keys());
  }

  clear(): void {
    this.#byFrom.clear();
  }
}
