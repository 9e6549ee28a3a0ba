import { describe, expect, it } from 'vitest';
import { SIGNAL_PATTERNS } from '../../../hardware/serial/display-signal.js';
import { renderScreen, sideBySide, TONE_TEXT } from '../../../simulator/display-unit/render.js';
import { clip, displayWidth } from '../../../simulator/display-unit/text-width.js';
import { FULL_SCREEN, STATUS } from '../../contract/driver-display.contract.js';

const state = { verdict: FULL_SCREEN, status: STATUS, signal: SIGNAL_PATTERNS.attention };

describe('display unit screen', () => {
  it('draws a closed box whose every line has the same width, Japanese included', () => {
    const lines = renderScreen(state, { colour: false, width: 44, title: 'bus-101' }).split('\n');
    const widths = new Set(lines.map(displayWidth));
    expect(widths).toEqual(new Set([46]));
    expect(lines[0]).toContain('bus-101');
  });

  it('shows the headline, kind, expiry, money, card, tone and status', () => {
    const text = renderScreen(state, { colour: false, width: 60 });
    for (const part of [
      '降車 差額 ¥120 をお受け取りください',
      '障がい者定期',
      '有効期限 2026-06-30',
      '運賃 ¥360',
      '差額 ¥120',
      'JW1234********789',
      TONE_TEXT.attention,
      'v20260401',
      '古い',
      'オフライン',
      '記録エラー',
    ]) {
      expect(text).toContain(part);
    }
  });

  it('colours the headline as the light: green, red, amber', () => {
    const colourOf = (tone: 'accept' | 'reject' | 'attention') =>
      renderScreen({ verdict: { ...FULL_SCREEN, tone }, status: null, signal: null });
    expect(colourOf('accept')).toContain('\x1b[1;42m');
    expect(colourOf('reject')).toContain('\x1b[1;41m');
    expect(colourOf('attention')).toContain('\x1b[1;43m');
  });

  it('says 「ピッ」 for accept and 「ピピピー」 for reject', () => {
    const tone = (t: 'accept' | 'reject') =>
      renderScreen({ verdict: null, status: null, signal: SIGNAL_PATTERNS[t] }, { colour: false });
    expect(tone('accept')).toContain('「ピッ」');
    expect(tone('reject')).toContain('「ピピピー」');
  });

  it('draws an idle screen before anything arrived', () => {
    const text = renderScreen({ verdict: null, status: null, signal: null }, { colour: false });
    expect(text).toContain('待機中');
  });

  it('puts several screens side by side', () => {
    const a = renderScreen(state, { colour: true, width: 30, title: 'bus-101' });
    const b = renderScreen({ verdict: null, status: null, signal: null }, { colour: true, width: 30 });
    const rows = sideBySide([a, b]).split('\n');
    expect(rows[0]).toContain('bus-101');
    expect(displayWidth(rows[0]!)).toBe(32 * 2 + 2);
  });

  it('cuts text by columns, counting kanji as two', () => {
    expect(clip('定期券有効', 6)).toBe('定期…');
    expect(displayWidth('OK 定期券')).toBe(9);
  });
});
