/** Capped exponential back-off for reconnecting to pcscd: initial, ×2 each failure, never above max. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #next: number;

  constructor(initialMs: number, maxMs: number) {
    this.#initialMs = initialMs;
    this.#maxMs = Math.max(initialMs, maxMs);
    this.#next = initialMs;
  }

  /** The delay to wait now; the following one doubles up to the cap. */
  next(): number {
    const d = this.#next;
    this.#next = Math.min(this.#next * 2, this.#maxMs);
    return d;
  }

  reset(): void {
    this.#next = this.#initialMs;
  }
}
