/**
 * Boarding records decided while `records.sqlite` cannot be written (a read-only mount, a full
 * disk; issue 12 point 2), kept in memory in tap order until the store takes them. No I/O.
 *
 * Bounded: past `bound` records a new one is refused and counted as lost, never an old one
 * dropped. The held records are a prefix of the taps, so once written their seq numbers run on
 * without a gap in the order the taps were made, and a held tap-off always finds the tap-on its
 * `tap_on_event_id` names. Losing a record is the worst outcome there is; the caller says so on
 * the display, in status and in the log at error.
 *
 * The ride state of every card (its open tap-on) follows every decision, held or lost, so the
 * next tap of the card is judged as if storage had never failed; the store is told the final
 * state once the held records are written (RecordStore.setOpenTapOns).
 */
import type { OpenTapOn } from '../rules/types.js';
import type { HeldWrite } from '../store/record-store.js';
import type { NewRecord } from '../store/types.js';

/** 10,000 records: several days of one bus's taps, ~3 MB of heap. */
export const DEFAULT_HELD_BOUND = 10_000;

export class HeldRecords {
  readonly #bound: number;
  /** Held records, oldest first; `#head` skips the ones already taken (no O(n) shift per record). */
  #queue: HeldWrite[] = [];
  #head = 0;
  /** The open tap-on decided last for each card since records were first held (null: none). */
  readonly #rides = new Map<string, OpenTapOn | null>();
  #lost = 0;

  constructor(bound: number = DEFAULT_HELD_BOUND) {
    if (!Number.isInteger(bound) || bound < 1) throw new RangeError('the bound must be a whole number ≥ 1');
    this.#bound = bound;
  }

  get bound(): number {
    return this.#bound;
  }

  /** Records waiting in memory. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Records refused at the bound since this process started. */
  get lost(): number {
    return this.#lost;
  }

  /** The card's open tap-on as decided while records were held; undefined when none was decided. */
  ride(idm: string): OpenTapOn | null | undefined {
    return this.#rides.get(idm);
  }

  /** Card rides decided while records were held, for the store once every held record is written. */
  rides(): Array<[string, OpenTapOn | null]> {
    return [...this.#rides];
  }

  /** Whether anything is left for the store: records, or ride state of lost ones. */
  get empty(): boolean {
    return this.size === 0 && this.#rides.size === 0;
  }

  /**
   * Holds the record (true), or counts it lost when the bound is reached (false). The card's ride
   * state follows the decision either way.
   */
  hold(write: HeldWrite): boolean {
    const rec: NewRecord = write.record;
    const idm = rec.idm.toLowerCase();
    if (write.tapOn === 'open') {
      this.#rides.set(idm, {
        event_id: write.eventId,
        at: rec.at,
        route: rec.route,
        stop: rec.stop,
        trip: rec.trip,
        pass_id: rec.pass_id,
      });
    } else if (write.tapOn === 'close') {
      this.#rides.set(idm, null);
    }
    if (this.size >= this.#bound) {
      this.#lost++;
      return false;
    }
    this.#queue.push(write);
    return true;
  }

  /** Up to `n` of the oldest held records, left in place until `taken`. */
  peek(n: number): HeldWrite[] {
    return this.#queue.slice(this.#head, this.#head + Math.max(0, n));
  }

  /** The oldest `n` records were written. */
  taken(n: number): void {
    this.#head += Math.min(Math.max(0, n), this.size);
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The store has the ride state: forget it (only once no record is held). */
  ridesWritten(): void {
    if (this.size === 0) this.#rides.clear();
  }
}
