import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SETTINGS } from '../../../device/config/rules-schema.js';
import { excessHeadline, REASON_JA } from '../../../device/display/messages-ja.js';
import { TapPipeline } from '../../../device/pipeline/tap-pipeline.js';
import { FakeClock, FakeDisplay, FakeSignal, FakeStopSource } from '../../../simulator/fakes/index.js';
import { captureLogger, MemoryPasses, MemoryRecords, pass, tinyNetwork } from './helpers.js';

function setup() {
  const clock = new FakeClock('2026-04-01T07:58:00+09:00');
  const passes = new MemoryPasses();
  const records = new MemoryRecords();
  const display = new FakeDisplay();
  const signal = new FakeSignal();
  const stops = new FakeStopSource(clock);
  const { logger, lines } = captureLogger();
  const failures: Error[] = [];
  const pipeline = new TapPipeline({
    vehicle: { id: 'bus-1', operator: 'matsue-city' },
    settings: DEFAULT_RULE_SETTINGS,
    clock,
    passes,
    network: tinyNetwork,
    records,
    display,
    signal,
    currentStop: () => stops.current(),
    logger,
    onRecordFailure: (e) => failures.push(e),
  });
  void stops.start();
  return { clock, passes, records, display, signal, stops, lines, pipeline, failures };
}

const IDM = '0114b3a1c2d3e4f5';

describe('tap pipeline', () => {
  it('accepts a tap-on, shows it, plays the accept tone, records it and logs after the commit', () => {
    const t = setup();
    t.passes.passes.push(pass());
    t.stops.arrive('81', 'a1');
    const out = t.pipeline.tap({ idm: IDM.toUpperCase(), reader: 'boarding' });
    expect(out).toMatchObject({ verdict: 'accept', reason: 'ok', pass_id: 'P1', fare: null, excess: null });
    expect(t.display.last).toMatchObject({
      verdict: 'accept',
      kind: '通勤定期',
      validUntil: '2026-04-30',
      card: 'JW1234********345',
    });
    expect(t.signal.tones).toEqual(['accept']);
    expect(t.records.records).toHaveLength(1);
    expect(t.records.records[0]).toMatchObject({ idm: IDM, route: '81', stop: 'a1', reader: 'boarding' });
    const tap = t.lines.find((l) => l.msg === 'tap');
    expect(tap).toMatchObject({ verdict: 'accept', reason: 'ok', reader: 'boarding', pass_id: 'P1', seq: 1 });
    expect(typeof tap?.latency_ms).toBe('number');
  });

  it('never logs a full IDm or card number at info level', () => {
    const t = setup();
    t.passes.passes.push(pass());
    t.stops.arrive('81', 'a1');
    t.pipeline.tap({ idm: IDM, reader: 'boarding' });
    const text = JSON.stringify(t.lines);
    expect(text).not.toContain(IDM);
    expect(text).not.toContain('JW123456789012345');
  });

  it('charges the excess at tap-off against the fare from the tap-on stop', () => {
    const t = setup();
    t.passes.passes.push(pass({ fare_limit: 200 }));
    t.stops.arrive('81', 'a1');
    t.pipeline.tap({ idm: IDM, reader: 'boarding' });
    t.clock.advance(20 * 60_000);
    t.stops.arrive('81', 'b1');
    const out = t.pipeline.tap({ idm: IDM, reader: 'alighting' });
    expect(out).toMatchObject({ verdict: 'excess', reason: 'excess_fare', fare: 250, excess: 50 });
    expect(t.display.last?.headline).toBe(excessHeadline(50));
    expect(t.records.records[1]).toMatchObject({ tap_on_event_id: 'e1', stop: 'b1', excess: 50 });
    expect(t.records.open.size).toBe(0);
  });

  it('repeats the last screen for a duplicate tap and records nothing', () => {
    const t = setup();
    t.passes.passes.push(pass());
    t.stops.arrive('81', 'a1');
    const first = t.pipeline.tap({ idm: IDM, reader: 'boarding' });
    t.clock.advance(2000);
    const dup = t.pipeline.tap({ idm: IDM, reader: 'boarding' });
    expect(dup).toMatchObject({ verdict: 'duplicate', reason: 'duplicate_tap', pass_id: null, record: null });
    expect(dup.screen).toBe(first.screen);
    expect(t.display.screens).toHaveLength(2);
    expect(t.records.records).toHaveLength(1);
    t.clock.advance(1500);
    expect(t.pipeline.tap({ idm: IDM, reader: 'boarding' })).toMatchObject({
      verdict: 'reject',
      reason: 'already_tapped_on',
    });
  });

  it('shows "not an ICOCA" for a foreign card and records nothing', () => {
    const t = setup();
    const out = t.pipeline.handle({ type: 'foreign', atr: '3B00', reader: 'boarding', detectedAt: 0 });
    expect(out).toBeNull();
    expect(t.display.last).toMatchObject({
      reason: 'not_icoca',
      headline: REASON_JA.not_icoca,
      tone: 'reject',
    });
    expect(t.records.records).toHaveLength(0);
  });

  it('still shows the verdict when the record cannot be stored, and raises the storage alarm', () => {
    const t = setup();
    t.passes.passes.push(pass());
    t.records.failNext = new Error('SQLITE_FULL: database or disk is full');
    const out = t.pipeline.tap({ idm: IDM, reader: 'boarding' });
    expect(out).toMatchObject({ verdict: 'accept', record: null });
    expect(t.display.last?.verdict).toBe('accept');
    expect(t.failures).toHaveLength(1);
    expect(t.lines.some((l) => l.msg === 'record_failed')).toBe(true);
    expect(t.lines.some((l) => l.msg === 'tap')).toBe(false);
  });

  it('judges a tap-on with no stop known on status, dates and operator, recording the stop as unknown', () => {
    const t = setup();
    t.passes.passes.push(pass());
    const out = t.pipeline.tap({ idm: IDM, reader: 'boarding' });
    expect(out.verdict).toBe('accept');
    expect(t.records.records[0]).toMatchObject({ stop: null, route: null });
  });

  it('asks for the boarding stop when a tap-off has no tap-on', () => {
    const t = setup();
    t.passes.passes.push(pass());
    t.stops.arrive('81', 'b1');
    const out = t.pipeline.tap({ idm: IDM, reader: 'alighting' });
    expect(out).toMatchObject({ verdict: 'attention', reason: 'no_tap_on', fare: null });
    expect(t.display.last?.headline).toBe(REASON_JA.no_tap_on);
    expect(t.signal.tones).toEqual(['attention']);
  });
});
