/**
 * Several CardReader adapters seen as one (e.g. a PC/SC boarding reader and a console test
 * reader): events pass through, start/stop fan out, health is the union.
 */
import type { CardReader, CardReaderObserver, ReaderHealth } from './ports/card-reader.js';

export class MergedCardReader implements CardReader {
  readonly #parts: readonly CardReader[];
  constructor(parts: readonly CardReader[]) {
    this.#parts = parts;
  }
  subscribe(observer: CardReaderObserver): () => void {
    const offs = this.#parts.map((p) => p.subscribe(observer));
    return () => {
      for (const off of offs) off();
    };
  }
  async start(): Promise<void> {
    await Promise.all(this.#parts.map((p) => p.start()));
  }
  async stop(): Promise<void> {
    await Promise.all(this.#parts.map((p) => p.stop()));
  }
  health(): ReaderHealth[] {
    return this.#parts.flatMap((p) => p.health());
  }
}
