import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../hardware/serial/backoff.js';

describe('reconnect back-off', () => {
  it('doubles from the initial delay up to the cap, and stays there', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000 });
    expect(Array.from({ length: 7 }, () => b.next())).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('starts over after a success', () => {
    const b = new Backoff({ initialMs: 50, maxMs: 400, factor: 3 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(50);
    expect(b.next()).toBe(150);
  });

  it('refuses a cap below the first delay', () => {
    expect(() => new Backoff({ initialMs: 100, maxMs: 10 })).toThrow(RangeError);
  });
});
