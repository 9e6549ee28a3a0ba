import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SETTINGS } from '../../../device/config/rules-schema.js';
import { REASON_JA } from '../../../device/display/messages-ja.js';
import { TapPipeline } from '../../../device/pipeline/tap-pipeline.js';
import { clockBoundsOf } from '../../../device/rules/index.js';
import { ListStore } from '../../../device/store/list-store.js';
import { RecordStore } from '../../../device/store/record-store.js';
import { FakeClock, FakeDisplay, FakeSignal, FakeStopSource } from '../../../simulator/fakes/index.js';
import { captureLogger, pass, tinyNetwork } from './helpers.js';

/**
 * Issue 7, clock faults: the system clock jumps back a day, forward a year, or reads 1970 after a
 * dead RTC. The list in force bounds the clock (applied time = floor, expiry + 31 days = horizon);
 * outside it every tap is attention / clock_invalid, and the record notes the clock state. Real
 * stores (in memory), the real pipeline, a fake clock.
 */
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const IDM_OK = '0114b3a1c2d3e4f5';
const IDM_EXPIRED = '0114b3a1c2d3e4f6';
const IDM_FUTURE = '0114b3a1c2d3e4f7';
const IDM_NONE = '0114b3a1c2d3e4f8';
const APPLIED = '2026-04-10T03:00:00+09:00';
const TODAY = Date.parse('2026-04-10T08:00:00+09:00');

function setup() {
  const clock = new FakeClock(APPLIED);
  const list = ListStore.open(':memory:', { clock });
  // A depot list applied at 03:00, expiring in two days; passes that a wrong date would misjudge.
  list.replacePasses(
    [
      pass({ pass_id: 'OK', idm: IDM_OK, valid_from: '2026-04-01', valid_until: '2026-04-30' }),
      pass({ pass_id: 'OLD', idm: IDM_EXPIRED, valid_from: '2026-03-10', valid_until: '2026-04-09' }),
      pass({ pass_id: 'NEW', idm: IDM_FUTURE, valid_from: '2026-04-10', valid_until: '2026-05-09' }),
    ],
    { version: 5, source: 'sync', expiresAt: new Date(Date.parse(APPLIED) + 2 * DAY).toISOString() },
  );
  const records = RecordStore.open(':memory:', 'bus-1', { clock });
  const display = new FakeDisplay();
  const signal = new FakeSignal();
  const stops = new FakeStopSource(clock);
  const { logger, lines } = captureLogger();
  // As the daemon wires it: bounds from the list in force (cached there; read directly here).
  const pipeline = new TapPipeline({
    vehicle: { id: 'bus-1', operator: 'matsue-city' },
    settings: DEFAULT_RULE_SETTINGS,
    clock,
    passes: list,
    network: tinyNetwork,
    records,
    display,
    signal,
    currentStop: () => stops.current(),
    clockBounds: () => clockBoundsOf(list.info()),
    logger,
  });
  void stops.start();
  stops.arrive('81', 'a1');
  clock.set(TODAY);
  return { clock, list, records, display, signal, lines, pipeline };
}

const faults = [
  ['back a day', TODAY - DAY, 'before_floor'],
  ['forward a year', TODAY + 365 * DAY, 'beyond_horizon'],
  ['1970 after a dead RTC', 0, 'before_floor'],
  ['back ten years', TODAY - 3650 * DAY, 'before_floor'],
] as const;

describe('clock faults: no pass is accepted or refused on a wrong clock', () => {
  it('a good clock decides as usual, and the record says the clock was ok', () => {
    const t = setup();
    expect(t.pipeline.tap({ idm: IDM_OK, reader: 'boarding' })).toMatchObject({
      verdict: 'accept',
      clock: 'ok',
    });
    expect(t.pipeline.tap({ idm: IDM_EXPIRED, reader: 'boarding' })).toMatchObject({ reason: 'expired' });
    expect(t.pipeline.tap({ idm: IDM_FUTURE, reader: 'boarding' })).toMatchObject({ verdict: 'accept' });
    expect([...t.records.list()].map((r) => r.clock)).toEqual(['ok', 'ok', 'ok']);
  });

  for (const [what, at, state] of faults) {
    it(`${what}: attention / clock_invalid for every card, noted in the record and the log`, () => {
      const t = setup();
      t.clock.set(at);
      for (const idm of [IDM_OK, IDM_EXPIRED, IDM_FUTURE, IDM_NONE]) {
        const out = t.pipeline.tap({ idm, reader: 'boarding' });
        expect(out).toMatchObject({ verdict: 'attention', reason: 'clock_invalid', clock: state });
        expect(t.display.last).toMatchObject({ verdict: 'attention', headline: REASON_JA.clock_invalid });
      }
      expect(t.signal.tones).toEqual(['attention', 'attention', 'attention', 'attention']);
      const recs = [...t.records.list()];
      expect(recs.map((r) => [r.reason, r.clock])).toEqual(Array(4).fill(['clock_invalid', state]));
      const taps = t.lines.filter((l) => l.msg === 'tap');
      expect(taps.map((l) => l.clock)).toEqual(Array(4).fill(state));
      // The pass is still shown to the driver (kind, validity) so they can judge it by hand.
      expect(recs[0]?.pass_id).toBe('OK');
      process.stdout.write(
        `${JSON.stringify({ fault: `clock ${what}`, taps: recs.length, accepted: 0, refused: 0, state })}\n`,
      );
    });
  }

  it('a wrong clock corrected mid-ride: no wrong refusal either way', () => {
    const t = setup();
    // Boards while the RTC reads 1970: attention, the tap-on is tracked.
    t.clock.set(0);
    expect(t.pipeline.tap({ idm: IDM_OK, reader: 'boarding' })).toMatchObject({ reason: 'clock_invalid' });
    // NTP steps the clock to the right time; the 1970 tap-on does not block the next boarding.
    t.clock.set(TODAY + 10 * 60_000);
    expect(t.pipeline.tap({ idm: IDM_OK, reader: 'boarding' })).toMatchObject({ verdict: 'accept' });
    t.clock.advance(20 * 60_000);
    expect(t.pipeline.tap({ idm: IDM_OK, reader: 'alighting' })).toMatchObject({ verdict: 'accept' });
    // Then the clock jumps forward a year: a tap-off is not judged either.
    t.clock.set(TODAY + 365 * DAY);
    expect(t.pipeline.tap({ idm: IDM_OK, reader: 'alighting' })).toMatchObject({ reason: 'clock_invalid' });
  });

  it('the floor moves up with every list applied, never down', () => {
    const t = setup();
    t.clock.set(TODAY + 2 * DAY);
    t.list.upsertPasses([pass({ pass_id: 'X', idm: IDM_NONE })], {
      version: 6,
      source: 'sync',
      expiresAt: new Date(TODAY + 4 * DAY).toISOString(),
    });
    // Back to "today": now before the newest list → untrusted, though after the first list.
    t.clock.set(TODAY);
    expect(t.pipeline.tap({ idm: IDM_OK, reader: 'boarding' })).toMatchObject({ clock: 'before_floor' });
  });

  it('a list past its expiry is stale, not a wrong clock (until the horizon)', () => {
    const t = setup();
    t.clock.set(TODAY + 10 * DAY);
    expect(t.pipeline.tap({ idm: IDM_OK, reader: 'boarding' })).toMatchObject({
      verdict: 'accept',
      clock: 'ok',
    });
  });
});
