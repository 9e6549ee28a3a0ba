import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, jstDate } from '../../../device/rules/index.js';
import { pass, tapOn } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2000-01-01 to 2099-12-31, as days since the epoch. */
const FIRST_DAY = Date.UTC(2000, 0, 1) / DAY;
const LAST_DAY = Date.UTC(2099, 11, 31) / DAY;

const dayIndex = fc.integer({ min: FIRST_DAY, max: LAST_DAY });
const dayString = (i: number): string => new Date(i * DAY).toISOString().slice(0, 10);
/** 00:00:00.000 JST of day i. */
const jstStart = (i: number): number => i * DAY - 9 * HOUR;

describe('jstDate', () => {
  it('is the UTC date of the instant shifted by nine hours, for any instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: jstStart(FIRST_DAY), max: jstStart(LAST_DAY) }), (ms) => {
        expect(jstDate(ms)).toBe(new Date(ms + 9 * HOUR).toISOString().slice(0, 10));
      }),
    );
  });

  it('turns to the next day exactly at midnight in Tokyo (15:00 UTC)', () => {
    fc.assert(
      fc.property(dayIndex, (i) => {
        expect(jstDate(jstStart(i))).toBe(dayString(i));
        expect(jstDate(jstStart(i) - 1)).toBe(dayString(i - 1));
        expect(jstDate(jstStart(i + 1) - 1)).toBe(dayString(i));
      }),
    );
  });

  it('refuses an instant that is not a number rather than returning a comparable string', () => {
    expect(() => jstDate(Number.NaN)).toThrow(RangeError);
  });
});

describe('pass dates are inclusive Tokyo calendar days', () => {
  const dayBefore = (i: number) => fc.integer({ min: jstStart(i - 3), max: jstStart(i) - 1 });
  const dayOf = (i: number) => fc.integer({ min: jstStart(i), max: jstStart(i + 1) - 1 });
  const dayAfter = (i: number) => fc.integer({ min: jstStart(i + 1), max: jstStart(i + 4) });

  it('a pass valid until D accepts every instant up to D 23:59:59.999 JST and is expired from D+1 00:00', () => {
    fc.assert(
      fc.property(
        dayIndex.chain((i) => fc.tuple(fc.constant(i), fc.oneof(dayBefore(i), dayOf(i)), dayAfter(i))),
        ([i, inside, outside]) => {
          const p = pass({ valid_from: '1999-01-01', valid_until: dayString(i) });
          expect(decide(tapOn({ now: inside, passes: [p] })).verdict).toBe('accept');
          expect(decide(tapOn({ now: outside, passes: [p] })).reason).toBe('expired');
        },
      ),
    );
  });

  it('a pass valid from D is not yet valid up to D-1 23:59:59.999 JST and accepts from D 00:00', () => {
    fc.assert(
      fc.property(
        dayIndex.chain((i) => fc.tuple(fc.constant(i), dayBefore(i), fc.oneof(dayOf(i), dayAfter(i)))),
        ([i, early, inside]) => {
          const p = pass({ valid_from: dayString(i), valid_until: '2100-12-31' });
          expect(decide(tapOn({ now: early, passes: [p] })).reason).toBe('not_yet_valid');
          expect(decide(tapOn({ now: inside, passes: [p] })).verdict).toBe('accept');
        },
      ),
    );
  });
});
