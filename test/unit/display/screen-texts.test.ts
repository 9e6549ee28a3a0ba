/**
 * The driver's screen against its one table (screen-texts.table.ts): every verdict and reason,
 * every status line case, every tone and the idle screen are rendered through the real code —
 * the device's composer, the console display, the serial wire in both encodings, the display
 * unit's renderer — and must read exactly as the table says. Then rules every text keeps: it
 * fits the screen, amounts are N円, dates YYYY/MM/DD, brackets are never half-width, no keigo.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  ALARM_JA,
  KIND_JA,
  LINK_JA,
  READER_STATE_JA,
  REASON_JA,
  SCREEN_COLUMNS,
  TONE_JA,
} from '../../../device/display/messages-ja.js';
import { screenText } from '../../../device/display/screen-lines.js';
import { ConsoleDisplay } from '../../../hardware/console/console-display.js';
import type { StatusLine, VerdictScreen, VerdictTone } from '../../../hardware/ports/driver-display.js';
import {
  decodeStatus,
  decodeVerdict,
  encodeStatus,
  encodeVerdict,
} from '../../../hardware/serial/display-messages.js';
import { SIGNAL_PATTERNS } from '../../../hardware/serial/display-signal.js';
import { textCodec } from '../../../hardware/serial/text-codec.js';
import { renderScreen } from '../../../simulator/display-unit/render.js';
import { displayWidth } from '../../../simulator/display-unit/text-width.js';
import { screenOf, statusOf } from './screen-cases.js';
import { IDLE_ROWS, SIGNAL_ROWS, STATUS_ROWS, VERDICT_ROWS } from './screen-texts.table.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CODECS = [textCodec('utf-8'), textCodec('shift_jis')];

/** What a console display prints for `show`, one output line per call. */
function consoleOut(show: (d: ConsoleDisplay) => void): string[] {
  const out = new PassThrough();
  const d = new ConsoleDisplay(out, { text: screenText });
  show(d);
  return String(out.read() ?? '')
    .split('\n')
    .filter(Boolean);
}

/** The text rows of the display unit's box, above and below its divider (borders, padding gone). */
function unitRows(
  verdict: VerdictScreen | null,
  status: StatusLine | null,
  tone?: VerdictTone,
): { screen: string[]; status: string[] } {
  const state = { verdict, status, signal: tone ? SIGNAL_PATTERNS[tone] : null };
  const box = renderScreen(state, { colour: false }).split('\n');
  const divider = box.findIndex((l) => l.startsWith('├'));
  const rows = (lines: string[]) =>
    lines
      .filter((l) => l.startsWith('│ '))
      .map((l) => l.slice(2, -2).trimEnd())
      .filter(Boolean);
  return { screen: rows(box.slice(0, divider)), status: rows(box.slice(divider)) };
}

const ALL_LINES: string[] = [
  ...VERDICT_ROWS.flatMap((r) => r.lines),
  ...Object.values(SIGNAL_ROWS),
  ...STATUS_ROWS.flatMap((r) => r.lines),
  IDLE_ROWS.verdict,
  IDLE_ROWS.status,
];

describe('the driver screen reads as its table', () => {
  for (const r of VERDICT_ROWS) {
    describe(`${r.verdict}/${r.reason} at ${r.reader}${r.pass ? ` with a ${r.pass} pass` : ''}`, () => {
      const screen = screenOf(r);

      it('is composed with the verdict, the tone and the lines of the table', () => {
        expect(screen).toMatchObject({ verdict: r.verdict, reason: r.reason, tone: r.tone });
        expect(screenText.verdict(screen)).toEqual(r.lines);
      });

      it('prints the same lines on the console display', () => {
        expect(consoleOut((d) => d.showVerdict(screen))).toEqual([r.lines.join(' | ')]);
      });

      it('crosses the serial wire in UTF-8 and Shift_JIS and the display unit draws the same lines', () => {
        for (const codec of CODECS) {
          const sent = encodeVerdict(screen, codec);
          expect(sent.clipped).toEqual([]);
          const received = decodeVerdict(sent.payload, codec);
          expect(received).toEqual(screen);
          expect(unitRows(received, null).screen).toEqual(r.lines);
        }
      });
    });
  }

  for (const [tone, text] of Object.entries(SIGNAL_ROWS) as Array<[VerdictTone, string]>) {
    it(`plays ${tone} as 「${text}」 on the console and on the unit`, () => {
      expect(screenText.signal(tone)).toBe(text);
      expect(consoleOut((d) => d.play(tone))).toEqual([text]);
      expect(unitRows(null, null, tone).screen).toContain(text);
    });
  }

  for (const r of STATUS_ROWS) {
    it(`shows the status of ${r.name} alike on the console and the unit, after the wire`, () => {
      const status = statusOf(r);
      expect(screenText.status(status)).toEqual(r.lines);
      expect(consoleOut((d) => d.showStatus(status))).toEqual([r.lines.join(' | ')]);
      for (const codec of CODECS) {
        const received = decodeStatus(encodeStatus(status, codec).payload, codec);
        expect(unitRows(null, received).status).toEqual(r.lines);
      }
    });
  }

  it('shows the idle screen before anything arrived', () => {
    expect(unitRows(null, null)).toEqual({ screen: [IDLE_ROWS.verdict], status: [IDLE_ROWS.status] });
  });
});

describe('the table covers every screen', () => {
  it('has a row for every reason, pass kind and tone', () => {
    expect(new Set(VERDICT_ROWS.map((r) => r.reason))).toEqual(new Set(Object.keys(REASON_JA)));
    expect(new Set(VERDICT_ROWS.map((r) => r.pass).filter(Boolean))).toEqual(new Set(Object.keys(KIND_JA)));
    expect(new Set(VERDICT_ROWS.map((r) => r.tone))).toEqual(new Set(Object.keys(TONE_JA)));
  });

  it('has every alarm, link state and reader state in a status row', () => {
    const status = STATUS_ROWS.flatMap((r) => r.lines).join('\n');
    for (const text of [
      ...Object.values(ALARM_JA),
      ...Object.values(LINK_JA),
      ...Object.values(READER_STATE_JA),
    ])
      expect(status, text).toContain(text);
  });
});

describe('every screen text', () => {
  it(`fits the screen: at most ${SCREEN_COLUMNS} columns, a kanji counting two`, () => {
    for (const line of ALL_LINES) expect(displayWidth(line), line).toBeLessThanOrEqual(SCREEN_COLUMNS);
  });

  it('never mixes full-width and half-width brackets: it uses no half-width ones', () => {
    const fullWidth = ALL_LINES.some((l) => /[（）［］｛｝]/.test(l));
    for (const line of ALL_LINES) expect(line).not.toMatch(/[()[\]{}｢｣]/);
    // Either style alone would be fine; both in one screen set would not.
    expect(fullWidth && ALL_LINES.some((l) => /[()[\]{}]/.test(l))).toBe(false);
  });

  it('writes amounts as N円, never ¥', () => {
    for (const line of ALL_LINES) {
      expect(line).not.toMatch(/[¥￥\\]/);
      for (const m of line.matchAll(/(運賃|差額) (\S+)/g)) {
        if (m[2] === '収受') continue; // 「差額 収受」 without an amount
        expect(m[2], line).toMatch(/^\d{1,3}(,\d{3})*円$/);
      }
    }
    expect(ALL_LINES).toContain('運賃 250円  差額 50円');
  });

  it('writes dates as YYYY/MM/DD', () => {
    for (const line of ALL_LINES) {
      for (const m of line.matchAll(/\d{2,4}[-/.年]\d{1,2}[-/.月]\d{1,2}/g))
        expect(m[0]).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
    }
    expect(ALL_LINES.some((l) => l.includes('有効期限 2026/12/31'))).toBe(true);
  });

  it('speaks to the driver, not the passenger: no keigo', () => {
    for (const line of ALL_LINES) expect(line).not.toMatch(/ください|ません|です|ます|お願い|ご乗車/);
  });
});

describe('the screen texts live in one file', () => {
  const japanese = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60\uffe0-\uffe6]/;
  const sources = ['device', 'hardware', 'simulator/display-unit'].flatMap((d) => tsFiles(join(ROOT, d)));

  it('has no Japanese text in the code of the device, the adapters or the display unit but messages-ja.ts', () => {
    const offenders: string[] = [];
    for (const file of sources) {
      const rel = relative(ROOT, file);
      if (rel === 'device/display/messages-ja.ts') continue;
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|\s)\/\/.*$/gm, '$1');
      for (const [i, line] of code.split('\n').entries())
        if (japanese.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
    }
    expect(offenders).toEqual([]);
  });
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}
