/** When the watchdog is ours and how often to ping, from the environment (sd_watchdog_enabled(3)). */
import { describe, expect, it } from 'vitest';
import { watchdogIntervalMs } from '../../../device/daemon/sd-notify.js';

describe('watchdog interval from the environment', () => {
  it('pings at half of WATCHDOG_USEC', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '400000', WATCHDOG_PID: '42' }, 42)).toBe(200);
  });

  it('is off without WATCHDOG_USEC, or with one that is not a positive integer', () => {
    expect(watchdogIntervalMs({}, 42)).toBeNull();
    for (const bad of ['', '0', '-5', '30s', '1e6', '00100']) {
      expect(watchdogIntervalMs({ WATCHDOG_USEC: bad }, 42)).toBeNull();
    }
  });

  it('is off when WATCHDOG_PID names another process (the variable was inherited)', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '400000', WATCHDOG_PID: '7' }, 42)).toBeNull();
  });
});
