import { describe, expect, it } from 'vitest';
import {
  area,
  at,
  change,
  FREE_AREA,
  freePass,
  MIN,
  openTapOn,
  pass,
  shown,
  TAP_ON_AT,
  tapOff,
  tapOn,
} from './fixtures.js';

describe('decide: tap-on with no stop known', () => {
  const noStop = { route: null, fare: null, areas: {} };

  it('accepts amount and free passes on status, dates and operator alone', () => {
    expect(shown(tapOn({ passes: [pass()], ride: noStop })).verdict).toBe('accept');
    expect(shown(tapOn({ passes: [freePass()], ride: noStop })).verdict).toBe('accept');
    const unknownStop = { route: null, fare: null, areas: { [FREE_AREA]: area({ boardingInside: null }) } };
    expect(shown(tapOn({ passes: [freePass()], ride: unknownStop })).verdict).toBe('accept');
  });

  it('still refuses on status, dates and operator', () => {
    expect(shown(tapOn({ passes: [pass({ status: 'refunded' })], ride: noStop })).reason).toBe('refunded');
    expect(shown(tapOn({ passes: [pass({ valid_until: '2026-03-31' })], ride: noStop })).reason).toBe(
      'expired',
    );
    expect(shown(tapOn({ passes: [pass({ operators: ['ichibata'] })], ride: noStop })).reason).toBe(
      'operator_not_covered',
    );
  });
});

describe("decide: a tap-off is judged on its tap-on's date", () => {
  const lastDay = pass({ valid_until: '2026-04-01' });
  const boardedLate = openTapOn({ at: at('2026-04-01T23:50:00') });
  const afterMidnight = at('2026-04-02T00:20:00');

  it('accepts a pass that expired at midnight between tap-on and tap-off', () => {
    const d = shown(tapOff(200, { passes: [lastDay], openTapOn: boardedLate, now: afterMidnight }));
    expect(d).toMatchObject({ verdict: 'accept', reason: 'ok', pass_id: 'P1', tapOn: 'close' });
  });

  it('refuses the same pass on a tap-on after midnight', () => {
    expect(shown(tapOn({ passes: [lastDay], now: afterMidnight })).reason).toBe('expired');
  });

  it('refuses a pass that starts after midnight on a ride boarded before it', () => {
    const firstDay = pass({ valid_from: '2026-04-02' });
    const d = shown(tapOff(200, { passes: [firstDay], openTapOn: boardedLate, now: afterMidnight }));
    expect(d).toMatchObject({ verdict: 'reject', reason: 'not_yet_valid', fare: 200, tapOn: 'close' });
  });

  it('accepts a new tap-on when the open one is stamped in the future (clock stepped back)', () => {
    expect(shown(tapOn({ openTapOn: openTapOn({ at: TAP_ON_AT + MIN }) })).verdict).toBe('accept');
  });
});

describe('decide: several passes on one card', () => {
  it('accepts with the pass whose amount covers the fare', () => {
    const passes = [pass({ pass_id: 'A', fare_limit: 200 }), pass({ pass_id: 'B', fare_limit: 400 })];
    expect(shown(tapOff(300, { passes }))).toMatchObject({ verdict: 'accept', pass_id: 'B' });
  });

  it('charges the smallest excess when no amount covers the fare', () => {
    const passes = [pass({ pass_id: 'A', fare_limit: 200 }), pass({ pass_id: 'B', fare_limit: 400 })];
    expect(shown(tapOff(500, { passes }))).toMatchObject({ verdict: 'excess', pass_id: 'B', excess: 100 });
  });

  it('prefers an excess to an unknown fare', () => {
    const outside = { [FREE_AREA]: area({ alightingInside: false }) };
    const passes = [freePass(), pass({ fare_limit: 200 })];
    const d = shown(tapOff(260, { passes, ride: { route: '81', fare: 260, areas: outside } }));
    expect(d).toMatchObject({ verdict: 'excess', pass_id: 'P1', excess: 60 });
  });

  it('accepts with the good pass when another has expired', () => {
    const passes = [pass({ pass_id: 'OLD', valid_until: '2026-03-31' }), pass({ pass_id: 'NEW' })];
    expect(shown(tapOn({ passes }))).toMatchObject({ verdict: 'accept', pass_id: 'NEW' });
  });

  it('records a free pass first at tap-on, then the larger amount, then the later expiry, then the id', () => {
    const small = pass({ pass_id: 'A', fare_limit: 200 });
    const large = pass({ pass_id: 'B', fare_limit: 400 });
    expect(shown(tapOn({ passes: [large, freePass({ pass_id: 'Z' })] })).pass_id).toBe('Z');
    expect(shown(tapOn({ passes: [small, large] })).pass_id).toBe('B');
    const later = pass({ pass_id: 'C', fare_limit: 400, valid_until: '2026-09-30' });
    expect(shown(tapOn({ passes: [large, later] })).pass_id).toBe('C');
    expect(shown(tapOn({ passes: [pass({ pass_id: 'Y' }), pass({ pass_id: 'X' })] })).pass_id).toBe('X');
  });

  it('reports the accepting pass that lasts longest at tap-off, then the lowest id', () => {
    const passes = [pass({ pass_id: 'A' }), freePass({ pass_id: 'B', valid_until: '2026-09-30' })];
    expect(shown(tapOff(200, { passes })).pass_id).toBe('B');
    expect(shown(tapOff(200, { passes: [pass({ pass_id: 'Y' }), pass({ pass_id: 'X' })] })).pass_id).toBe(
      'X',
    );
  });

  it('breaks a tie of equal excess by the lowest pass id', () => {
    const passes = [pass({ pass_id: 'Y' }), pass({ pass_id: 'X' })];
    expect(shown(tapOff(500, { passes }))).toMatchObject({ verdict: 'excess', pass_id: 'X', excess: 200 });
  });
});

describe('decide: changes of card', () => {
  it('answers no_pass once the moved pass has expired', () => {
    expect(shown(tapOn({ passes: [], changes: [change({ valid_until: '2026-03-31' })] }))).toMatchObject({
      verdict: 'reject',
      reason: 'no_pass',
      pass_id: null,
    });
  });

  it('answers card_changed on the last day of the moved pass', () => {
    expect(shown(tapOn({ passes: [], changes: [change({ valid_until: '2026-04-01' })] })).reason).toBe(
      'card_changed',
    );
  });

  it('accepts a good new pass on an IDm that a pass moved away from', () => {
    expect(shown(tapOn({ passes: [pass()], changes: [change()] }))).toMatchObject({
      verdict: 'accept',
      pass_id: 'P1',
    });
  });

  it('reports a refunded pass before a card change', () => {
    const d = shown(tapOn({ passes: [pass({ status: 'refunded' })], changes: [change()] }));
    expect(d).toMatchObject({ reason: 'refunded', pass_id: 'P1' });
  });
});

describe('decide: the order of reasons when nothing covers', () => {
  it('reports expired for a pass both refunded and expired', () => {
    const d = shown(tapOn({ passes: [pass({ status: 'refunded', valid_until: '2026-03-31' })] }));
    expect(d.reason).toBe('expired');
  });

  it('reports suspended before refunded across two passes', () => {
    const passes = [pass({ pass_id: 'A', status: 'refunded' }), pass({ pass_id: 'B', status: 'suspended' })];
    expect(shown(tapOn({ passes }))).toMatchObject({ reason: 'suspended', pass_id: 'B' });
  });

  it('reports not_yet_valid before expired across two passes', () => {
    const passes = [
      pass({ pass_id: 'A', valid_until: '2026-03-31' }),
      pass({ pass_id: 'B', valid_from: '2026-05-01' }),
    ];
    expect(shown(tapOn({ passes }))).toMatchObject({ reason: 'not_yet_valid', pass_id: 'B' });
  });

  it('reports operator_not_covered for a pass of the other operator on a route without passes', () => {
    const d = shown(
      tapOn({ passes: [pass({ operators: ['ichibata'] })], ride: { route: 'lake', fare: null, areas: {} } }),
    );
    expect(d.reason).toBe('operator_not_covered');
  });

  it('names the lowest pass id when two passes give the same reason', () => {
    const passes = [pass({ pass_id: 'B', status: 'refunded' }), pass({ pass_id: 'A', status: 'refunded' })];
    expect(shown(tapOn({ passes }))).toMatchObject({ reason: 'refunded', pass_id: 'A' });
  });
});
