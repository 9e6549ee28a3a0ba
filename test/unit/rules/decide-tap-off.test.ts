import { describe, expect, it } from 'vitest';
import {
  area,
  type Case,
  change,
  FREE_AREA,
  freePass,
  MIN,
  openTapOn,
  pass,
  SETTINGS,
  shown,
  TAP_OFF_AT,
  tapOff,
} from './fixtures.js';

const cases: Case[] = [
  {
    name: 'accepts a ride whose fare equals the pass amount and closes the tap-on',
    input: tapOff(300),
    expected: { verdict: 'accept', reason: 'ok', pass_id: 'P1', fare: 300, excess: null, tapOn: 'close' },
  },
  {
    name: 'charges the difference above the pass amount by default',
    input: tapOff(420),
    expected: {
      verdict: 'excess',
      reason: 'excess_fare',
      pass_id: 'P1',
      fare: 420,
      excess: 120,
      tapOn: 'close',
    },
  },
  {
    name: 'charges the full fare above the pass amount under the full_fare rule',
    input: tapOff(420, { settings: { ...SETTINGS, excess_rule: 'full_fare' } }),
    expected: {
      verdict: 'excess',
      reason: 'excess_fare',
      pass_id: 'P1',
      fare: 420,
      excess: 420,
      tapOn: 'close',
    },
  },
  {
    name: 'asks for attention when the network has no fare for the ride',
    input: tapOff(null),
    expected: {
      verdict: 'attention',
      reason: 'fare_unknown',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tapOn: 'close',
    },
  },
  {
    name: 'asks for the boarding stop on a tap-off with no open tap-on',
    input: tapOff(300, { openTapOn: null }),
    expected: {
      verdict: 'attention',
      reason: 'no_tap_on',
      pass_id: null,
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'asks for the boarding stop when the open tap-on is older than max_ride_minutes',
    input: tapOff(300, { openTapOn: openTapOn({ at: TAP_OFF_AT - 180 * MIN }) }),
    expected: {
      verdict: 'attention',
      reason: 'no_tap_on',
      pass_id: null,
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'answers no_tap_on whatever the card holds, even no pass at all',
    input: tapOff(300, { openTapOn: null, passes: [], changes: [change()] }),
    expected: {
      verdict: 'attention',
      reason: 'no_tap_on',
      pass_id: null,
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'turns an accepted tap-off into list_stale under the attention policy, keeping the fare',
    input: tapOff(300, { listStale: true, settings: { ...SETTINGS, stale_policy: 'attention' } }),
    expected: {
      verdict: 'attention',
      reason: 'list_stale',
      pass_id: 'P1',
      fare: 300,
      excess: null,
      tapOn: 'close',
    },
  },
  {
    name: 'keeps an excess as an excess with a stale list',
    input: tapOff(420, { listStale: true, settings: { ...SETTINGS, stale_policy: 'attention' } }),
    expected: {
      verdict: 'excess',
      reason: 'excess_fare',
      pass_id: 'P1',
      fare: 420,
      excess: 120,
      tapOn: 'close',
    },
  },
  {
    name: 'rejects a pass refunded since the tap-on, reporting the fare and closing the tap-on',
    input: tapOff(300, { passes: [pass({ status: 'refunded' })] }),
    expected: {
      verdict: 'reject',
      reason: 'refunded',
      pass_id: 'P1',
      fare: 300,
      excess: null,
      tapOn: 'close',
    },
  },
  {
    name: 'accepts a free pass alighting inside its area whatever the fare',
    input: tapOff(900, { passes: [freePass()] }),
    expected: { verdict: 'accept', reason: 'ok', pass_id: 'F1', fare: 900, excess: null, tapOn: 'close' },
  },
  {
    name: 'charges a free pass leaving its area the fare of the part outside',
    input: tapOff(900, {
      passes: [freePass()],
      ride: {
        route: '81',
        fare: 900,
        areas: { [FREE_AREA]: area({ alightingInside: false, outsideFare: 160 }) },
      },
    }),
    expected: {
      verdict: 'excess',
      reason: 'excess_fare',
      pass_id: 'F1',
      fare: 900,
      excess: 160,
      tapOn: 'close',
    },
  },
  {
    name: 'charges a free pass the outside part even under the full_fare rule',
    input: tapOff(900, {
      passes: [freePass()],
      settings: { ...SETTINGS, excess_rule: 'full_fare' },
      ride: {
        route: '81',
        fare: 900,
        areas: { [FREE_AREA]: area({ alightingInside: false, outsideFare: 160 }) },
      },
    }),
    expected: {
      verdict: 'excess',
      reason: 'excess_fare',
      pass_id: 'F1',
      fare: 900,
      excess: 160,
      tapOn: 'close',
    },
  },
  {
    name: 'asks for attention when a free pass leaves its area and the outside fare is unknown',
    input: tapOff(900, {
      passes: [freePass()],
      ride: { route: '81', fare: 900, areas: { [FREE_AREA]: area({ alightingInside: false }) } },
    }),
    expected: {
      verdict: 'attention',
      reason: 'fare_unknown',
      pass_id: 'F1',
      fare: 900,
      excess: null,
      tapOn: 'close',
    },
  },
  {
    name: 'asks for attention when the alighting stop of a free pass is unknown',
    input: tapOff(null, { passes: [freePass()], ride: { route: '81', fare: null, areas: {} } }),
    expected: {
      verdict: 'attention',
      reason: 'fare_unknown',
      pass_id: 'F1',
      fare: null,
      excess: null,
      tapOn: 'close',
    },
  },
];

describe('decide at tap-off: every verdict and reason', () => {
  it.each(cases)('$name', ({ input, expected }) => {
    expect(shown(input)).toEqual(expected);
  });
});
