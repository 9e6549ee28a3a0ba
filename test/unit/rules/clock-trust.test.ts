import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SETTINGS } from '../../../device/config/rules-schema.js';
import {
  CLOCK_FLOOR_TOLERANCE_MS,
  CLOCK_HORIZON_AFTER_EXPIRY_MS,
  clockBoundsOf,
  decide,
  judgeClock,
  NO_CLOCK_BOUNDS,
} from '../../../device/rules/index.js';
import type { DecisionInput } from '../../../device/rules/types.js';
import { pass } from '../pipeline/helpers.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const APPLIED = Date.parse('2026-04-01T03:00:00+09:00');
const EXPIRES = APPLIED + 2 * DAY;
const bounds = clockBoundsOf({
  appliedAt: new Date(APPLIED).toISOString(),
  expiresAt: new Date(EXPIRES).toISOString(),
});

describe('clock trust (pure)', () => {
  it('derives the floor from the applied time and the horizon from the expiry', () => {
    expect(bounds).toEqual({
      floor: APPLIED - CLOCK_FLOOR_TOLERANCE_MS,
      horizon: EXPIRES + CLOCK_HORIZON_AFTER_EXPIRY_MS,
    });
    expect(clockBoundsOf(null)).toEqual(NO_CLOCK_BOUNDS);
    expect(clockBoundsOf({ appliedAt: 'garbage', expiresAt: null })).toEqual(NO_CLOCK_BOUNDS);
    // A local import has no expiry: a floor only.
    expect(clockBoundsOf({ appliedAt: new Date(APPLIED).toISOString(), expiresAt: null }).horizon).toBeNull();
  });

  it('judges the three clock faults of issue 7, and a good clock', () => {
    expect(judgeClock(APPLIED + 5 * HOUR, bounds)).toBe('ok');
    expect(judgeClock(APPLIED + 5 * HOUR - DAY, bounds)).toBe('before_floor'); // back a day
    expect(judgeClock(APPLIED + 365 * DAY, bounds)).toBe('beyond_horizon'); // forward a year
    expect(judgeClock(0, bounds)).toBe('before_floor'); // dead RTC: 1970
    expect(judgeClock(Number.NaN, bounds)).toBe('before_floor');
    expect(judgeClock(0, NO_CLOCK_BOUNDS)).toBe('unchecked');
    // A list past its expiry is stale, not a wrong clock: up to the horizon.
    expect(judgeClock(EXPIRES + 10 * DAY, bounds)).toBe('ok');
    expect(judgeClock(APPLIED - CLOCK_FLOOR_TOLERANCE_MS + 1, bounds)).toBe('ok');
  });

  it('an untrusted clock never accepts nor refuses: attention / clock_invalid, whatever the passes (property)', () => {
    const statuses = ['active', 'refunded', 'suspended'] as const;
    const passArb = fc.record({
      pass_id: fc.constantFrom('P1', 'P2', 'P3'),
      status: fc.constantFrom(...statuses),
      from: fc.integer({ min: -400, max: 400 }),
      len: fc.integer({ min: 0, max: 200 }),
      operators: fc.subarray(['matsue-city', 'ichibata'], { minLength: 1 }),
      fare_limit: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(
        fc.array(passArb, { maxLength: 4 }),
        fc.constantFrom('boarding', 'alighting') as fc.Arbitrary<'boarding' | 'alighting'>,
        fc.constantFrom('before_floor', 'beyond_horizon') as fc.Arbitrary<'before_floor' | 'beyond_horizon'>,
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.boolean(),
        (ps, reader, clock, now, open) => {
          const day = (offset: number) => new Date(APPLIED + offset * DAY).toISOString().slice(0, 10);
          const input: DecisionInput = {
            reader,
            now,
            operator: 'matsue-city',
            passes: ps.map((p) =>
              pass({
                pass_id: p.pass_id,
                status: p.status,
                valid_from: day(p.from),
                valid_until: day(p.from + p.len),
                operators: p.operators,
                fare_limit: p.fare_limit,
              }),
            ),
            changes: [{ idm: '0114b3a1c2d3e4f5', pass_id: 'P9', valid_until: day(30) }],
            openTapOn: open
              ? { event_id: 'e1', at: now - 60_000, route: '81', stop: 'a1', trip: null, pass_id: 'P1' }
              : null,
            ride: { route: '81', fare: reader === 'alighting' ? 250 : null, areas: {} },
            settings: DEFAULT_RULE_SETTINGS,
            listStale: false,
            clock,
          };
          const d = decide(input);
          expect(d.verdict).toBe('attention');
          expect(d.reason).toBe('clock_invalid');
          expect(d.excess).toBeNull();
          // The ride is still tracked, so the driver's decision can be followed by a tap-off.
          expect(d.tapOn).toBe(reader === 'boarding' ? 'open' : 'close');
          // A trusted clock gives the ordinary decision: the flag is the only difference.
          const trusted = decide({ ...input, clock: 'ok' });
          expect(decide({ ...input, clock: undefined })).toEqual(trusted);
          expect(decide({ ...input, clock: 'unchecked' })).toEqual(trusted);
        },
      ),
      { numRuns: 300 },
    );
  });
});
