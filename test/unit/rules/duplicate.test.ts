import { describe, expect, it } from 'vitest';
import { isDuplicate } from '../../../device/rules/index.js';
import type { LastTap } from '../../../device/rules/types.js';
import { IDM, SETTINGS } from './fixtures.js';

const T = 1_775_000_000_000;
const last: LastTap = { idm: IDM, reader: 'boarding', at: T };

describe('isDuplicate', () => {
  it('treats the same card on the same reader at the same instant as a duplicate', () => {
    expect(isDuplicate(last, IDM, 'boarding', T, SETTINGS)).toBe(true);
  });

  it('treats a tap 1 ms before the window ends as a duplicate', () => {
    expect(isDuplicate(last, IDM, 'boarding', T + 2_999, SETTINGS)).toBe(true);
  });

  it('judges a tap exactly duplicate_window_s later as a new tap', () => {
    expect(isDuplicate(last, IDM, 'boarding', T + 3_000, SETTINGS)).toBe(false);
  });

  it('follows the configured window', () => {
    const settings = { ...SETTINGS, duplicate_window_s: 10 };
    expect(isDuplicate(last, IDM, 'boarding', T + 9_999, settings)).toBe(true);
    expect(isDuplicate(last, IDM, 'boarding', T + 10_000, settings)).toBe(false);
  });

  it('never sees a duplicate with a zero window', () => {
    expect(isDuplicate(last, IDM, 'boarding', T, { ...SETTINGS, duplicate_window_s: 0 })).toBe(false);
  });

  it('judges a tap on the other reader as a new tap', () => {
    expect(isDuplicate(last, IDM, 'alighting', T + 1, SETTINGS)).toBe(false);
  });

  it('judges another card as a new tap', () => {
    expect(isDuplicate(last, '0000000000000001', 'boarding', T + 1, SETTINGS)).toBe(false);
  });

  it('judges a tap with no last tap as a new tap', () => {
    expect(isDuplicate(undefined, IDM, 'boarding', T, SETTINGS)).toBe(false);
  });

  it('judges a tap earlier than the last one (clock stepped back) as a new tap', () => {
    expect(isDuplicate(last, IDM, 'boarding', T - 1, SETTINGS)).toBe(false);
  });
});
