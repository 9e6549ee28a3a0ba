/**
 * Capped exponential back-off for reopening a serial port (as Signal K's serial provider does):
 * a unit being unplugged should not spin the CPU, and one plugged back should be found quickly.
 */
export interface BackoffOptions {
  /** First delay after a failure. */
  readonly initialMs: number;
  /** Delays never exceed this. */
  readonly maxMs: number;
  /** Growth per consecutive failure; default 2. */
  readonly factor?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, factor: 2 };

export class Backoff {
  readonly #opts: BackoffOptions;
  #failures = 0;

  constructor(opts: BackoffOptions = DEFAULT_BACKOFF) {
    if (opts.initialMs <= 0 || opts.maxMs < opts.initialMs) {
      throw new RangeError('back-off needs 0 < initialMs <= maxMs');
    }
    this.#opts = opts;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const factor = this.#opts.factor ?? 2;
    const delay = Math.min(this.#opts.maxMs, this.#opts.initialMs * factor ** this.#failures);
    if (delay < this.#opts.maxMs) this.#failures++;
    return delay;
  }

  reset(): void {
    this.#failures = 0;
  }
}
