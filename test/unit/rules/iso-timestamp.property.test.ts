/**
 * The one check of a time with an offset (device/rules/dates.ts timestampProblem, issue 12 point
 * 7): every real instant written in ISO 8601 is taken and means what Date.UTC says; a day the
 * month does not have, an hour past 23 or an offset past 14:00 is refused, never rolled over.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCalendarDate, isIsoTimestamp, timestampProblem } from '../../../device/rules/dates.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

const parts = fc.record({
  y: fc.integer({ min: 1970, max: 2099 }),
  m: fc.integer({ min: 1, max: 12 }),
  d: fc.integer({ min: 1, max: 31 }),
  h: fc.integer({ min: 0, max: 23 }),
  mi: fc.integer({ min: 0, max: 59 }),
  s: fc.integer({ min: 0, max: 59 }),
  sign: fc.constantFrom('+', '-'),
  oh: fc.integer({ min: 0, max: 14 }),
  om: fc.constantFrom(0, 30, 45),
});

type Parts = typeof parts extends fc.Arbitrary<infer T> ? T : never;

function write(p: Parts): string {
  const off = p.oh === 14 ? '14:00' : `${pad(p.oh)}:${pad(p.om)}`;
  return `${p.y}-${pad(p.m)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${p.sign}${off}`;
}

describe('ISO timestamps', () => {
  it('takes every real instant, and it means what Date.UTC says', () => {
    fc.assert(
      fc.property(parts, (p) => {
        fc.pre(p.d <= daysIn(p.y, p.m));
        const v = write(p);
        expect(timestampProblem(v)).toBeNull();
        const offMin = (p.sign === '+' ? 1 : -1) * (p.oh === 14 ? 14 * 60 : p.oh * 60 + p.om);
        expect(Date.parse(v)).toBe(Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - offMin * 60_000);
      }),
    );
  });

  it('refuses a day the month does not have, whatever Date.parse makes of it', () => {
    fc.assert(
      fc.property(parts, (p) => {
        fc.pre(p.d > daysIn(p.y, p.m));
        const v = write(p);
        expect(timestampProblem(v)).toBe(`${v.slice(0, 10)} is not a calendar day`);
        expect(isCalendarDate(v.slice(0, 10))).toBe(false);
      }),
    );
  });

  it.each([
    ['2026-02-30T07:58:05+09:00', '2026-02-30 is not a calendar day'],
    ['2100-02-29T00:00:00Z', '2100-02-29 is not a calendar day'],
    ['2026-04-01T24:00:00+09:00', 'hour 24 is not 00-23'],
    ['2026-04-01T07:60+09:00', 'minute 60 is not 00-59'],
    ['2026-04-01T07:58:60+09:00', 'second 60 is not 00-59'],
    ['2026-04-01T07:58:05+14:30', 'offset +14:30 is not a UTC offset (at most ±14:00)'],
    ['2026-04-01T07:58:05-09:61', 'offset -09:61 is not a UTC offset (at most ±14:00)'],
    ['2026-04-01 07:58:05+09:00', 'must be an ISO 8601 time with an offset, e.g. 2026-04-01T07:58:05+09:00'],
    ['2026-04-01T07:58:05+0900', 'must be an ISO 8601 time with an offset, e.g. 2026-04-01T07:58:05+09:00'],
  ])('refuses %s: %s', (v, why) => {
    expect(timestampProblem(v)).toBe(why);
    expect(isIsoTimestamp(v)).toBe(false);
  });

  it.each([
    '2024-02-29T23:59:59.999999999+09:00',
    '2000-02-29T00:00Z',
    '2026-04-01T07:58:05-00:00',
    '2026-04-01T07:58:05+14:00',
    '2026-04-01T07:58:05-12:00',
  ])('takes %s', (v) => {
    expect(timestampProblem(v)).toBeNull();
  });
});
