import type {
  DisplayObserver,
  DriverDisplay,
  StatusLine,
  VerdictScreen,
  VerdictTone,
} from '../../hardware/ports/driver-display.js';
import type { PassengerSignal, SignalObserver } from '../../hardware/ports/passenger-signal.js';

/** The one fake DriverDisplay: records what was shown (`screens`, `statuses`), like a mock binding. */
export class FakeDisplay implements DriverDisplay {
  readonly screens: VerdictScreen[] = [];
  readonly statuses: StatusLine[] = [];
  readonly #observers = new Set<DisplayObserver>();
  closed = false;

  showVerdict(screen: VerdictScreen): void {
    if (!this.closed) this.screens.push(screen);
  }
  showStatus(status: StatusLine): void {
    if (!this.closed) this.statuses.push(status);
  }
  subscribe(observer: DisplayObserver): () => void {
    // As the real adapter: an observer that cannot hear errors would hide a dead display.
    if (typeof observer?.onError !== 'function') throw new TypeError('observer needs an onError handler');
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }
  /** Test hook: make the display report a delivery failure. */
  fail(error: Error): void {
    for (const o of this.#observers) o.onError(error);
  }
  get last(): VerdictScreen | undefined {
    return this.screens.at(-1);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The one fake PassengerSignal: records the tones played. */
export class FakeSignal implements PassengerSignal {
  readonly tones: VerdictTone[] = [];
  readonly #observers = new Set<SignalObserver>();
  closed = false;
  play(tone: VerdictTone): void {
    if (!this.closed) this.tones.push(tone);
  }
  subscribe(observer: SignalObserver): () => void {
    if (typeof observer?.onError !== 'function') throw new TypeError('observer needs an onError handler');
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}
