import type {
  CardEvent,
  CardReader,
  CardReaderObserver,
  ReaderHealth,
  ReaderRole,
} from '../../hardware/ports/card-reader.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { CardRemovedError, ReaderGoneError } from '../../hardware/ports/errors.js';

/**
 * The one in-process fake of the CardReader port, shared by unit tests and the simulator.
 * Scripted: `tap(idm, role)`, `foreign(atr, role)`, `pull(role)` (card removed mid-read),
 * `unplug(role)` / `plug(role)`. Honours the port contract (test/contract/card-reader.contract.ts).
 */
/** PC/SC Part 3 FeliCa ATR (standard 0x11, card name 00 3B, TCK 42), as a real reader reports it. */
export const FELICA_ATR = '3B8F8001804F0CA00000030611003B0000000042';
const FOREIGN_ATR = '3B8F8001804F0CA000000306030001000000006A';

export class FakeCardReader implements CardReader {
  readonly #observers = new Set<CardReaderObserver>();
  readonly #health = new Map<ReaderRole, ReaderHealth>();
  readonly #clock: Clock;
  #running = false;

  constructor(clock: Clock, roles: readonly ReaderRole[] = ['boarding', 'alighting']) {
    this.#clock = clock;
    for (const role of roles)
      this.#health.set(role, { reader: role, name: `Fake ${role}`, state: 'disconnected' });
  }

  subscribe(observer: CardReaderObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    for (const role of this.#health.keys()) this.plug(role);
  }

  async stop(): Promise<void> {
    this.#running = false;
  }

  health(): ReaderHealth[] {
    return [...this.#health.values()];
  }

  get running(): boolean {
    return this.#running;
  }

  /** Presents a FeliCa card; returns false (and emits nothing) when stopped or the reader is unplugged. */
  tap(idm: string, reader: ReaderRole = 'boarding'): boolean {
    return this.#emitCard({
      type: 'felica',
      idm: idm.toLowerCase(),
      atr: FELICA_ATR,
      reader,
      detectedAt: this.#clock.now(),
    });
  }

  /** Presents a non-FeliCa card (phone, MIFARE, EMV). */
  foreign(reader: ReaderRole = 'boarding', atr = FOREIGN_ATR): boolean {
    return this.#emitCard({ type: 'foreign', atr, reader, detectedAt: this.#clock.now() });
  }

  /** A card pulled away before its IDm was read: no card event, a CardRemovedError. */
  pull(reader: ReaderRole = 'boarding'): void {
    if (!this.#running) return;
    this.#emitError(new CardRemovedError(reader));
  }

  unplug(reader: ReaderRole): void {
    this.#setHealth(reader, 'disconnected');
    if (this.#running) this.#emitError(new ReaderGoneError(reader));
  }

  plug(reader: ReaderRole): void {
    this.#setHealth(reader, 'connected');
  }

  #emitCard(event: CardEvent): boolean {
    if (!this.#running || this.#health.get(event.reader)?.state !== 'connected') return false;
    for (const o of this.#observers) o.onCard(event);
    return true;
  }

  #emitError(error: Error): void {
    for (const o of this.#observers) o.onError(error);
  }

  #setHealth(reader: ReaderRole, state: ReaderHealth['state']): void {
    const h: ReaderHealth = { reader, name: `Fake ${reader}`, state };
    this.#health.set(reader, h);
    if (this.#running) for (const o of this.#observers) o.onHealth(h);
  }
}
