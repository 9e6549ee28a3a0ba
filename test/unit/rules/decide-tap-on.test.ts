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
  TAP_ON_AT,
  tapOn,
} from './fixtures.js';

const cases: Case[] = [
  {
    name: 'accepts an active commuter pass on tap-on and opens a tap-on',
    input: tapOn(),
    expected: { verdict: 'accept', reason: 'ok', pass_id: 'P1', fare: null, excess: null, tapOn: 'open' },
  },
  {
    name: 'rejects a second tap-on while one is open',
    input: tapOn({ openTapOn: openTapOn({ at: TAP_ON_AT - 10 * MIN }) }),
    expected: {
      verdict: 'reject',
      reason: 'already_tapped_on',
      pass_id: null,
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'ignores an open tap-on exactly max_ride_minutes old and accepts the new one',
    input: tapOn({ openTapOn: openTapOn({ at: TAP_ON_AT - 180 * MIN }) }),
    expected: { verdict: 'accept', reason: 'ok', pass_id: 'P1', fare: null, excess: null, tapOn: 'open' },
  },
  {
    name: 'rejects a pass whose first day is tomorrow as not_yet_valid',
    input: tapOn({ passes: [pass({ valid_from: '2026-04-02' })] }),
    expected: {
      verdict: 'reject',
      reason: 'not_yet_valid',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'rejects a pass that ended yesterday as expired',
    input: tapOn({ passes: [pass({ valid_until: '2026-03-31' })] }),
    expected: {
      verdict: 'reject',
      reason: 'expired',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'rejects a pass of the other operator as operator_not_covered',
    input: tapOn({ passes: [pass({ operators: ['ichibata'] })] }),
    expected: {
      verdict: 'reject',
      reason: 'operator_not_covered',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'rejects any pass on a route without passes as route_not_covered',
    input: tapOn({ ride: { route: 'lake', fare: null, areas: {} } }),
    expected: {
      verdict: 'reject',
      reason: 'route_not_covered',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'rejects a free pass boarding outside its area as outside_area',
    input: tapOn({
      passes: [freePass()],
      ride: { route: '81', fare: null, areas: { [FREE_AREA]: area({ boardingInside: false }) } },
    }),
    expected: {
      verdict: 'reject',
      reason: 'outside_area',
      pass_id: 'F1',
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'rejects a suspended pass',
    input: tapOn({ passes: [pass({ status: 'suspended' })] }),
    expected: {
      verdict: 'reject',
      reason: 'suspended',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'rejects a refunded pass',
    input: tapOn({ passes: [pass({ status: 'refunded' })] }),
    expected: {
      verdict: 'reject',
      reason: 'refunded',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'rejects a card a pass moved away from as card_changed, naming the moved pass',
    input: tapOn({ passes: [], changes: [change()] }),
    expected: {
      verdict: 'reject',
      reason: 'card_changed',
      pass_id: 'P0',
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'rejects a card with no pass as no_pass',
    input: tapOn({ passes: [] }),
    expected: {
      verdict: 'reject',
      reason: 'no_pass',
      pass_id: null,
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
  {
    name: 'asks for attention with a stale list when the policy says so, and still opens a tap-on',
    input: tapOn({ listStale: true, settings: { ...SETTINGS, stale_policy: 'attention' } }),
    expected: {
      verdict: 'attention',
      reason: 'list_stale',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tapOn: 'open',
    },
  },
  {
    name: 'accepts with a stale list under the default accept policy',
    input: tapOn({ listStale: true }),
    expected: { verdict: 'accept', reason: 'ok', pass_id: 'P1', fare: null, excess: null, tapOn: 'open' },
  },
  {
    name: 'leaves a rejection alone with a stale list',
    input: tapOn({
      passes: [pass({ status: 'refunded' })],
      listStale: true,
      settings: { ...SETTINGS, stale_policy: 'attention' },
    }),
    expected: {
      verdict: 'reject',
      reason: 'refunded',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tapOn: 'keep',
    },
  },
];

describe('decide at tap-on: every verdict and reason', () => {
  it.each(cases)('$name', ({ input, expected }) => {
    expect(shown(input)).toEqual(expected);
  });
});
