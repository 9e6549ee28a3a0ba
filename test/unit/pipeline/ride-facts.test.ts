import { describe, expect, it } from 'vitest';
import { rideFacts } from '../../../device/pipeline/ride-facts.js';
import { tinyNetwork } from './helpers.js';

const tapOn = (stop: string | null) => ({
  event_id: 'e1',
  at: 0,
  route: '81',
  stop,
  trip: null,
  pass_id: 'P1',
});

describe('ride facts', () => {
  it('knows at tap-on whether the boarding stop is inside a free-pass area', () => {
    const f = rideFacts(tinyNetwork, 'boarding', { route_id: '81', stop_id: 'b1', at: 0 }, null, ['matsue']);
    expect(f).toEqual({
      route: '81',
      fare: null,
      areas: { matsue: { boardingInside: false, alightingInside: null, outsideFare: null } },
    });
  });

  it('treats a stop the network does not know as unknown, not as outside', () => {
    const f = rideFacts(tinyNetwork, 'boarding', { route_id: '81', stop_id: 'nowhere', at: 0 }, null, [
      'matsue',
    ]);
    expect(f.areas.matsue?.boardingInside).toBeNull();
  });

  it('prices a tap-off from the tap-on stop zone to the alighting stop zone on the tap-on route', () => {
    const f = rideFacts(tinyNetwork, 'alighting', { route_id: '81', stop_id: 'b1', at: 0 }, tapOn('a1'), []);
    expect(f.fare).toBe(250);
    expect(f.route).toBe('81');
  });

  it('prices the part outside the area from the last stop inside it', () => {
    const f = rideFacts(tinyNetwork, 'alighting', { route_id: '81', stop_id: 'b1', at: 0 }, tapOn('a1'), [
      'matsue',
    ]);
    // last stop inside on a1→a2→b1 is a2 (zone A): A→B = 250
    expect(f.areas.matsue).toEqual({ boardingInside: true, alightingInside: false, outsideFare: 250 });
  });

  it('has no fare when the tap-on stop was unknown', () => {
    const f = rideFacts(tinyNetwork, 'alighting', { route_id: '81', stop_id: 'b1', at: 0 }, tapOn(null), []);
    expect(f.fare).toBeNull();
  });

  it('gathers nothing at a tap-off without a tap-on', () => {
    expect(
      rideFacts(tinyNetwork, 'alighting', { route_id: '81', stop_id: 'b1', at: 0 }, null, ['matsue']),
    ).toEqual({
      route: null,
      fare: null,
      areas: {},
    });
  });
});
