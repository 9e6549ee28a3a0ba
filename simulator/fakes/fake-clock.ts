import type { Clock } from '../../hardware/ports/clock.js';

/** A clock that moves only when told: tests, replay-like runs and the scripted demo. */
export class FakeClock implements Clock {
  #now: number;
  constructor(start: number | string = '2026-04-01T07:00:00+09:00') {
    this.#now = typeof start === 'number' ? start : Date.parse(start);
  }
  now(): number {
    return this.#now;
  }
  set(at: number | string): void {
    this.#now = typeof at === 'number' ? at : Date.parse(at);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}
