/**
 * SIGNAL payloads: what the buzzer and the two-colour (red/green) light do for one tap. The host
 * sends the whole pattern, not just a number, so the tones can be tuned without reflashing units.
 *
 *   pattern (1) | light (1) | light_ms (2 BE) | steps (1) | steps × (freq_hz 2 BE, on_ms 2 BE, off_ms 2 BE)
 *
 * Patterns follow the trade's convention (DOMAIN.md "What the bus sees"): one short tone and green
 * for accept, a long triple tone and red for reject, a two-note chime and blinking amber (both
 * LEDs) when the driver must act.
 */
import type { VerdictTone } from '../ports/driver-display.js';
import { PayloadError } from './tlv.js';

export const LIGHT_GREEN = 0x01;
export const LIGHT_RED = 0x02;
export const LIGHT_BLINK = 0x04;

export interface ToneStep {
  readonly freqHz: number;
  readonly onMs: number;
  readonly offMs: number;
}

export interface SignalPattern {
  readonly tone: VerdictTone;
  /** Bit set of LIGHT_GREEN, LIGHT_RED (both = amber), LIGHT_BLINK. */
  readonly light: number;
  readonly lightMs: number;
  readonly steps: readonly ToneStep[];
}

const PATTERN_CODES: Record<VerdictTone, number> = { accept: 1, reject: 2, attention: 3 };
const MAX_STEPS = 16;

export const SIGNAL_PATTERNS: Record<VerdictTone, SignalPattern> = {
  accept: {
    tone: 'accept',
    light: LIGHT_GREEN,
    lightMs: 1500,
    steps: [{ freqHz: 2400, onMs: 100, offMs: 0 }],
  },
  reject: {
    tone: 'reject',
    light: LIGHT_RED,
    lightMs: 3000,
    steps: [
      { freqHz: 1000, onMs: 150, offMs: 100 },
      { freqHz: 1000, onMs: 150, offMs: 100 },
      { freqHz: 1000, onMs: 600, offMs: 0 },
    ],
  },
  attention: {
    tone: 'attention',
    light: LIGHT_GREEN | LIGHT_RED | LIGHT_BLINK,
    lightMs: 3000,
    steps: [
      { freqHz: 1600, onMs: 200, offMs: 50 },
      { freqHz: 1200, onMs: 400, offMs: 300 },
      { freqHz: 1600, onMs: 200, offMs: 50 },
      { freqHz: 1200, onMs: 400, offMs: 0 },
    ],
  },
};

export function encodeSignal(p: SignalPattern): Buffer {
  if (p.steps.length > MAX_STEPS) throw new RangeError(`more than ${MAX_STEPS} tone steps`);
  const out = Buffer.alloc(5 + 6 * p.steps.length);
  out[0] = PATTERN_CODES[p.tone];
  out[1] = p.light;
  out.writeUInt16BE(p.lightMs, 2);
  out[4] = p.steps.length;
  p.steps.forEach((s, i) => {
    out.writeUInt16BE(s.freqHz, 5 + 6 * i);
    out.writeUInt16BE(s.onMs, 7 + 6 * i);
    out.writeUInt16BE(s.offMs, 9 + 6 * i);
  });
  return out;
}

export function decodeSignal(payload: Uint8Array): SignalPattern {
  if (payload.length < 5) throw new PayloadError('SIGNAL shorter than 5 bytes');
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const tone = (Object.keys(PATTERN_CODES) as VerdictTone[]).find((t) => PATTERN_CODES[t] === b[0]);
  if (!tone) throw new PayloadError(`unknown pattern ${b[0]}`);
  const count = b[4]!;
  if (count > MAX_STEPS || payload.length !== 5 + 6 * count) throw new PayloadError('bad SIGNAL step count');
  const steps: ToneStep[] = [];
  for (let i = 0; i < count; i++) {
    steps.push({
      freqHz: b.readUInt16BE(5 + 6 * i),
      onMs: b.readUInt16BE(7 + 6 * i),
      offMs: b.readUInt16BE(9 + 6 * i),
    });
  }
  return { tone, light: b[1]!, lightMs: b.readUInt16BE(2), steps };
}
