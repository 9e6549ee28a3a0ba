/**
 * The watchdog policy on fake timers: pings follow the tap loop's health (event-loop lag and the
 * daemon's probe), never a bare timer. A stall is simulated by moving the clock without running
 * any timer, which is what a blocked event loop looks like from inside.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Watchdog } from '../../../device/daemon/watchdog.js';
import { silentLogger } from '../../../device/log/logger.js';

let pings: number[];
let problem: string | null;
let dog: Watchdog;

function start(opts: { maxLagMs?: number; probe?: () => string | null } = {}): void {
  dog = new Watchdog({
    intervalMs: 200,
    beatMs: 50,
    maxLagMs: opts.maxLagMs ?? 200,
    probe: opts.probe ?? (() => problem),
    ping: () => pings.push(Date.now()),
    logger: silentLogger(),
    now: () => Date.now(),
  });
  dog.start();
}

/** The event loop is blocked for `ms`: time passes, no timer runs. */
function stall(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  pings = [];
  problem = null;
});
afterEach(() => {
  dog.stop();
  vi.useRealTimers();
});

describe('systemd watchdog', () => {
  it('pings once per interval while the tap loop is healthy', () => {
    start();
    vi.advanceTimersByTime(1000);
    expect(pings).toHaveLength(5);
    expect(pings[0]).toBe(1_000_200);
  });

  it('withholds pings while the daemon reports a problem and resumes when it clears', () => {
    start();
    problem = 'store unusable: database is locked';
    vi.advanceTimersByTime(1000);
    expect(pings).toEqual([]);
    problem = null;
    vi.advanceTimersByTime(50);
    expect(pings).toHaveLength(1);
  });

  it('treats a probe that throws as a problem', () => {
    start({
      probe: () => {
        throw new Error('The database connection is not open');
      },
    });
    vi.advanceTimersByTime(1000);
    expect(pings).toEqual([]);
  });

  it('withholds the ping that follows an event-loop stall, and pings at the next beat', () => {
    start();
    vi.advanceTimersByTime(200);
    expect(pings).toHaveLength(1);
    stall(2000);
    vi.advanceTimersByTime(50); // the first beat after the stall sees ~2 s of lag
    expect(pings).toHaveLength(1);
    vi.advanceTimersByTime(50); // the loop is on time again
    expect(pings).toHaveLength(2);
  });

  it('sends nothing while every turn of the loop comes late, however often timers still run', () => {
    start();
    for (let i = 0; i < 40; i++) {
      stall(300);
      vi.advanceTimersByTime(50);
    }
    expect(pings).toEqual([]);
  });

  it('lets a short hiccup under the lag limit pass', () => {
    start({ maxLagMs: 200 });
    vi.advanceTimersByTime(100);
    stall(150);
    vi.advanceTimersByTime(100);
    expect(pings).toHaveLength(1);
  });

  it('sends nothing after stop()', () => {
    start();
    vi.advanceTimersByTime(200);
    dog.stop();
    vi.advanceTimersByTime(1000);
    expect(pings).toHaveLength(1);
  });
});
