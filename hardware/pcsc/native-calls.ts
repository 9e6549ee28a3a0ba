/**
 * The native calls of one @pokusew/pcsclite reader that are still running in the libuv pool, and
 * a close that waits for them.
 *
 * Why: CardReader::Close locks the reader's mutex on the main thread (src/cardreader.cpp:315).
 * HandleReaderStatusChange holds that same mutex while it emits 'status' / '_end' (:341-381), and
 * DoTransmit holds it for the whole SCardTransmit (:566-576), which never returns while a card
 * stays silent (vpcd waits for its card without a timeout). Closing from an event handler would
 * deadlock; closing during such a transmit would freeze the event loop until the card answers or
 * leaves. So close runs on a later turn, once every tracked call has settled.
 */
export class NativeCalls {
  readonly #close: () => void;
  readonly #pending = new Set<Promise<void>>();
  #closeWanted = false;
  #closeScheduled = false;
  #closed = false;
  readonly #waiters: Array<() => void> = [];

  constructor(close: () => void) {
    this.#close = close;
  }

  get pending(): number {
    return this.#pending.size;
  }

  track(op: Promise<unknown>): void {
    const settled = op.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(settled);
    void settled.then(() => {
      this.#pending.delete(settled);
      this.#maybeClose();
    });
  }

  /** Closes the native reader once nothing is pending (and never twice). */
  closeWhenIdle(): void {
    this.#closeWanted = true;
    this.#maybeClose();
  }

  /** Resolves true once closed, or false after `deadlineMs` (a call still pending). */
  closed(deadlineMs: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #maybeClose(): void {
    if (!this.#closeWanted || this.#closeScheduled || this.#pending.size > 0) return;
    this.#closeScheduled = true;
    setImmediate(() => {
      this.#close();
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w();
    });
  }
}
