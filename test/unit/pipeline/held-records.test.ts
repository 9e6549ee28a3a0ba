/** The bounded in-memory queue of records decided while storage is down (issue 12 point 2). */
import { describe, expect, it } from 'vitest';
import { HeldRecords } from '../../../device/pipeline/held-records.js';
import type { HeldWrite } from '../../../device/store/record-store.js';

let n = 0;
function write(idm: string, reader: 'boarding' | 'alighting', tapOn: HeldWrite['tapOn']): HeldWrite {
  n++;
  return {
    eventId: `ev-${n}`,
    tapOn,
    record: {
      at: n * 1000,
      idm,
      reader,
      route: '81',
      trip: null,
      stop: `s${n}`,
      verdict: 'accept',
      reason: 'ok',
      pass_id: 'P1',
      fare: null,
      excess: null,
      tap_on_event_id: null,
    },
  };
}

describe('held records', () => {
  it('keeps records in tap order up to the bound, then refuses new ones and counts them lost', () => {
    const held = new HeldRecords(3);
    const w = [1, 2, 3, 4, 5].map((i) => write(`000000000000000${i}`, 'boarding', 'keep'));
    expect(w.map((x) => held.hold(x))).toEqual([true, true, true, false, false]);
    expect(held.size).toBe(3);
    expect(held.lost).toBe(2);
    // The oldest are kept, never dropped for newer ones: the held records stay a prefix of the taps.
    expect(held.peek(10).map((x) => x.eventId)).toEqual(w.slice(0, 3).map((x) => x.eventId));
    held.taken(2);
    expect(held.peek(10).map((x) => x.eventId)).toEqual([w[2]?.eventId]);
    expect(held.hold(write('0000000000000009', 'boarding', 'keep'))).toBe(true);
    expect(held.size).toBe(2);
  });

  it('follows the ride state of every decision, held or lost', () => {
    const held = new HeldRecords(1);
    const on = write('00000000000000aa', 'boarding', 'open');
    expect(held.hold(on)).toBe(true);
    expect(held.ride('00000000000000aa')).toMatchObject({ event_id: on.eventId, stop: on.record.stop });
    expect(held.ride('00000000000000bb')).toBeUndefined();
    // Past the bound the tap-off is lost, but the ride is closed all the same, so the card's
    // next tap-on is not refused as already_tapped_on.
    expect(held.hold(write('00000000000000aa', 'alighting', 'close'))).toBe(false);
    expect(held.ride('00000000000000aa')).toBeNull();
    expect(held.rides()).toEqual([['00000000000000aa', null]]);
    held.ridesWritten();
    expect(held.rides()).toHaveLength(1);
    held.taken(1);
    expect(held.empty).toBe(false);
    held.ridesWritten();
    expect(held.empty).toBe(true);
  });

  it('keeps the order across many holds and partial takes', () => {
    const held = new HeldRecords(10_000);
    const ids: string[] = [];
    const out: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const w = write('0000000000000001', 'boarding', 'keep');
      ids.push(w.eventId);
      held.hold(w);
      if (i % 7 === 6) {
        const batch = held.peek(5);
        out.push(...batch.map((x) => x.eventId));
        held.taken(batch.length);
      }
    }
    out.push(...held.peek(held.size).map((x) => x.eventId));
    expect(out).toEqual(ids);
  });

  it('refuses a bound that is not a whole number of records', () => {
    expect(() => new HeldRecords(0)).toThrow(RangeError);
    expect(() => new HeldRecords(1.5)).toThrow(RangeError);
  });
});
