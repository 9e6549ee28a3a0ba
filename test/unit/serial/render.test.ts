import { describe, expect, it } from 'vitest';
import { LABEL_JA } from '../../../device/display/messages-ja.js';
import { lightLine, statusLines, toneLine, verdictLines } from '../../../device/display/screen-lines.js';
import { SIGNAL_PATTERNS } from '../../../hardware/serial/display-signal.js';
import { renderScreen, sideBySide } from '../../../simulator/display-unit/render.js';
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

  it('draws every line the bus composed: headline, kind, expiry, money, card, tone, light, status', () => {
    const text = renderScreen(state, { colour: false, width: 60 });
    const v = verdictLines(FULL_SCREEN);
    const st = statusLines(STATUS);
    for (const part of [
      v.headline,
      v.details,
      v.money,
      v.card,
      toneLine('attention'),
      lightLine('attention'),
      st.list,
      st.link,
      st.readers,
      ...st.alarms,
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

  it('draws the tone that was played, accept and reject apart', () => {
    const tone = (t: 'accept' | 'reject') =>
      renderScreen({ verdict: null, status: null, signal: SIGNAL_PATTERNS[t] }, { colour: false });
    expect(tone('accept')).toContain(toneLine('accept'));
    expect(tone('reject')).toContain(toneLine('reject'));
    expect(tone('accept')).not.toContain(toneLine('reject'));
  });

  it('draws an idle screen before anything arrived', () => {
    const text = renderScreen({ verdict: null, status: null, signal: null }, { colour: false });
    expect(text).toContain(LABEL_JA.idle);
    expect(text).toContain(LABEL_JA.noStatus);
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
