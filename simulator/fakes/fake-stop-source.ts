import type { Clock } from '../../hardware/ports/clock.js';
import type { CurrentStop, StopObserver, StopSource } from '../../hardware/ports/stop-source.js';

/** The one fake StopSource: `arrive(route, stop, trip?)` moves the bus. */
export class FakeStopSource implements StopSource {
  readonly #observers = new Set<StopObserver>();
  readonly #clock: Clock;
  #current: CurrentStop | null = null;
  #running = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }
  current(): CurrentStop | null {
    return this.#current;
  }
  subscribe(observer: StopObserver): () => void {
    // As the real adapter: both handlers are required (a lost link must not go unheard).
    if (typeof observer?.onStop !== 'function' || typeof observer.onError !== 'function') {
      throw new TypeError('observer needs onStop and onError handlers');
    }
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }
  async start(): Promise<void> {
    this.#running = true;
  }
  async stop(): Promise<void> {
    this.#running = false;
  }
  arrive(route_id: string, stop_id: string, trip_id?: string): void {
    this.#current = { route_id, stop_id, trip_id, at: this.#clock.now() };
    if (this.#running) for (const o of this.#observers) o.onStop(this.#current);
  }
  /** Test hook: a bad line or a lost link; the last good stop stays current. */
  fail(error: Error): void {
    for (const o of this.#observers) o.onError(error);
  }
}
