import { describe, expect, it } from 'vitest';
import { REASON_JA } from '../../../device/display/messages-ja.js';
import type { VerdictScreen } from '../../../hardware/ports/driver-display.js';
import {
  decodeStatus,
  decodeVerdict,
  encodeStatus,
  encodeVerdict,
  VerdictTag,
} from '../../../hardware/serial/display-messages.js';
import {
  decodeSignal,
  encodeSignal,
  LIGHT_BLINK,
  SIGNAL_PATTERNS,
} from '../../../hardware/serial/display-signal.js';
import { textCodec } from '../../../hardware/serial/text-codec.js';
import { PayloadError, readTlv } from '../../../hardware/serial/tlv.js';
import { BARE_SCREEN, FULL_SCREEN, STATUS } from '../../contract/driver-display.contract.js';

const utf8 = textCodec('utf-8');
const sjis = textCodec('shift_jis');

describe('VERDICT payload', () => {
  for (const codec of [utf8, sjis]) {
    it(`round-trips every field in ${codec.encoding}`, () => {
      expect(decodeVerdict(encodeVerdict(FULL_SCREEN, codec).payload, codec)).toEqual(FULL_SCREEN);
      expect(decodeVerdict(encodeVerdict(BARE_SCREEN, codec).payload, codec)).toEqual(BARE_SCREEN);
    });
  }

  it('writes the yen sign as byte 5C in Shift_JIS and reads it back as ¥', () => {
    // The screens write amounts as 円; a ¥ in some other text still travels as JIS X 0201 has it.
    const { payload } = encodeVerdict({ ...FULL_SCREEN, headline: '¥120' }, sjis);
    const headline = readTlv(payload).find((f) => f.tag === VerdictTag.HEADLINE)!;
    expect([...headline.value]).toContain(0x5c);
    expect(decodeVerdict(payload, sjis).headline).toBe('¥120');
  });

  it('sends WAVE DASH as its CP932 twin instead of ?', () => {
    const screen: VerdictScreen = { ...BARE_SCREEN, headline: '7:00〜22:00' };
    expect(decodeVerdict(encodeVerdict(screen, sjis).payload, sjis).headline).toBe('7:00～22:00');
  });

  for (const codec of [utf8, sjis]) {
    it(`cuts an over-long headline at a character boundary in ${codec.encoding}, and says so`, () => {
      const screen: VerdictScreen = {
        ...BARE_SCREEN,
        headline: REASON_JA.no_tap_on.repeat(10),
      };
      const encoded = encodeVerdict(screen, codec);
      expect(encoded.clipped).toContain(VerdictTag.HEADLINE);
      const back = decodeVerdict(encoded.payload, codec).headline;
      expect(screen.headline.startsWith(back)).toBe(true);
      expect(back.length).toBeGreaterThan(40);
    });
  }

  it('refuses a negative or fractional yen amount', () => {
    expect(() => encodeVerdict({ ...FULL_SCREEN, excess: -1 }, utf8)).toThrow(RangeError);
    expect(() => encodeVerdict({ ...FULL_SCREEN, fare: 1.5 }, utf8)).toThrow(RangeError);
  });

  it('skips tags it does not know (a newer host)', () => {
    const { payload } = encodeVerdict(BARE_SCREEN, utf8);
    const extended = Buffer.concat([payload, Buffer.from([0x7f, 2, 0xaa, 0xbb])]);
    expect(decodeVerdict(extended, utf8)).toEqual(BARE_SCREEN);
  });

  it('throws PayloadError on a field that overruns the payload or a missing colour', () => {
    expect(() => decodeVerdict(Buffer.from([0x05, 9, 0x41]), utf8)).toThrow(PayloadError);
    expect(() => decodeVerdict(Buffer.from([0x05, 1, 0x41]), utf8)).toThrow(PayloadError);
    expect(() => decodeVerdict(Buffer.from([0x01, 1, 9]), utf8)).toThrow(PayloadError);
  });
});

describe('STATUS payload', () => {
  for (const codec of [utf8, sjis]) {
    it(`round-trips list, link, readers and alarms in ${codec.encoding}`, () => {
      expect(decodeStatus(encodeStatus(STATUS, codec).payload, codec)).toEqual(STATUS);
    });
  }

  it('round-trips an empty status (no list yet)', () => {
    const empty = {
      listVersion: null,
      listAgeMinutes: null,
      listStale: false,
      link: 'none',
      readers: [],
      alarms: [],
    } as const;
    expect(decodeStatus(encodeStatus(empty, utf8).payload, utf8)).toEqual(empty);
  });

  it('keeps large list versions (epoch-second versions fit)', () => {
    const s = { ...STATUS, listVersion: 1_780_000_000_123 };
    expect(decodeStatus(encodeStatus(s, utf8).payload, utf8).listVersion).toBe(1_780_000_000_123);
  });

  it('leaves out alarms that no longer fit the 1024-byte payload instead of failing', () => {
    const s = { ...STATUS, alarms: Array.from({ length: 40 }, (_, i) => `警報${i} ${'あ'.repeat(20)}`) };
    const encoded = encodeStatus(s, utf8);
    expect(encoded.payload.length).toBeLessThanOrEqual(1024);
    expect(encoded.clipped.length).toBeGreaterThan(0);
    expect(decodeStatus(encoded.payload, utf8).alarms.length).toBeLessThan(40);
  });
});

describe('SIGNAL payload', () => {
  it('accept is one short tone with green; reject three tones with red', () => {
    expect(SIGNAL_PATTERNS.accept.steps).toHaveLength(1);
    expect(SIGNAL_PATTERNS.accept.steps[0]!.onMs).toBeLessThanOrEqual(150);
    expect(SIGNAL_PATTERNS.reject.steps).toHaveLength(3);
    expect(SIGNAL_PATTERNS.reject.light).toBe(0x02);
  });

  it('attention is distinct: two notes, amber and blinking', () => {
    const freqs = new Set(SIGNAL_PATTERNS.attention.steps.map((s) => s.freqHz));
    expect(freqs.size).toBe(2);
    expect(SIGNAL_PATTERNS.attention.light & 0x03).toBe(0x03);
    expect(SIGNAL_PATTERNS.attention.light & LIGHT_BLINK).toBe(LIGHT_BLINK);
  });

  it('round-trips each pattern', () => {
    for (const p of Object.values(SIGNAL_PATTERNS)) expect(decodeSignal(encodeSignal(p))).toEqual(p);
  });

  it('refuses a payload whose step count does not match its length', () => {
    const bytes = encodeSignal(SIGNAL_PATTERNS.reject);
    expect(() => decodeSignal(bytes.subarray(0, bytes.length - 1))).toThrow(PayloadError);
    expect(() => decodeSignal(Buffer.from([9, 1, 0, 0, 0]))).toThrow(PayloadError);
  });
});
