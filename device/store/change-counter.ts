/** Tallies what a write did to the pass list (PassChangeCounts, printed by the CLI). */
import type { PassChangeCounts } from './types.js';

export class ChangeCounter {
  total = 0;
  added = 0;
  updated = 0;
  removed = 0;
  unchanged = 0;
  cardChanges = 0;
  readonly #byStatus: Record<string, number> = {};

  countStatus(status: string): void {
    this.#byStatus[status] = (this.#byStatus[status] ?? 0) + 1;
  }

  result(): PassChangeCounts {
    return {
      total: this.total,
      added: this.added,
      updated: this.updated,
      removed: this.removed,
      unchanged: this.unchanged,
      cardChanges: this.cardChanges,
      byStatus: { ...this.#byStatus },
    };
  }
}
