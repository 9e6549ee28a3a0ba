/**
 * The display's bounded write queue. What it keeps when pressed is the product decision:
 * - one VERDICT at most: a newer verdict replaces a pending one (the driver must see the tap in
 *   front of them, not the one before);
 * - one STATUS at most: only the latest state matters;
 * - one PING at most, and it goes first (it checks the unit is there after a (re)connect);
 * - SIGNALs queue in order (each is one passenger's tone).
 * When still over `limit`, the first of these goes: the PING, the STATUS, the oldest SIGNAL;
 * a VERDICT is only ever replaced by a newer one. Pure: no I/O, no clock.
 */
export type OutKind = 'verdict' | 'status' | 'signal' | 'ping';

export interface Outgoing {
  readonly kind: OutKind;
  readonly type: number;
  readonly payload: Uint8Array;
  /** Clock time when queued (signals older than a few seconds are no longer worth playing). */
  readonly queuedAt: number;
}

const EVICTION_ORDER: readonly OutKind[] = ['ping', 'status', 'signal'];

export class SendQueue {
  readonly #limit: number;
  #items: Outgoing[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('queue limit must be >= 1');
    this.#limit = limit;
  }

  get length(): number {
    return this.#items.length;
  }

  kinds(): OutKind[] {
    return this.#items.map((i) => i.kind);
  }

  /** Queues `item`; returns what was dropped to make room (possibly `item` itself). */
  push(item: Outgoing): Outgoing[] {
    const dropped: Outgoing[] = [];
    if (item.kind === 'ping') {
      if (this.#items.some((i) => i.kind === 'ping')) return [item];
      this.#items.unshift(item);
    } else {
      if (item.kind !== 'signal') dropped.push(...this.#remove((i) => i.kind === item.kind));
      this.#items.push(item);
    }
    while (this.#items.length > this.#limit) {
      const victim = this.#victim();
      if (!victim) break;
      dropped.push(victim);
    }
    return dropped;
  }

  /**
   * Puts back a frame that was in flight when the port went away, ahead of the rest, unless a
   * newer frame of a kind that replaces it is already waiting. Returns whether it was kept.
   */
  requeue(item: Outgoing): boolean {
    if (item.kind === 'ping') return false;
    if (item.kind !== 'signal' && this.#items.some((i) => i.kind === item.kind)) return false;
    const at = this.#items[0]?.kind === 'ping' ? 1 : 0;
    this.#items.splice(at, 0, item);
    if (this.#items.length > this.#limit) {
      const victim = this.#victim();
      return victim !== item;
    }
    return true;
  }

  shift(): Outgoing | undefined {
    return this.#items.shift();
  }

  clear(): Outgoing[] {
    const all = this.#items;
    this.#items = [];
    return all;
  }

  #victim(): Outgoing | undefined {
    for (const kind of EVICTION_ORDER) {
      const index = this.#items.findIndex((i) => i.kind === kind);
      if (index >= 0) return this.#items.splice(index, 1)[0];
    }
    return undefined;
  }

  #remove(match: (i: Outgoing) => boolean): Outgoing[] {
    const removed = this.#items.filter(match);
    if (removed.length > 0) this.#items = this.#items.filter((i) => !match(i));
    return removed;
  }
}
