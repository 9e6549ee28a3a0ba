/**
 * Draws the display unit's screen in a terminal: a box with the verdict (coloured as the light),
 * the pass details, the tone and light, and the status line. The lines are the bus's own layout
 * and words (device/display/screen-lines.ts, texts in device/display/messages-ja.ts), as the
 * unit's firmware is set up to show them; this file only draws the box and the colours.
 */

import { LABEL_JA, SCREEN_COLUMNS } from '../../device/display/messages-ja.js';
import { lightLine, statusLines, toneLine, verdictLines } from '../../device/display/screen-lines.js';
import type { StatusLine, VerdictScreen, VerdictTone } from '../../hardware/ports/driver-display.js';
import { LIGHT_BLINK, type SignalPattern } from '../../hardware/serial/display-signal.js';
import { clip, displayWidth, padTo } from './text-width.js';
import type { UnitState } from './unit.js';

export interface RenderOptions {
  /** Inner width in columns; default the screen's text width plus a margin of one each side. */
  readonly width?: number;
  /** ANSI colours; default true. */
  readonly colour?: boolean;
  /** Shown in the top border, e.g. the bus id. */
  readonly title?: string;
}

export const DEFAULT_WIDTH = SCREEN_COLUMNS + 2;

const SGR = {
  reset: 0,
  bold: 1,
  blink: 5,
  red: 31,
  green: 32,
  yellow: 33,
  onRed: 41,
  onGreen: 42,
  onYellow: 43,
};
const ON_COLOUR: Record<VerdictTone, number> = {
  accept: SGR.onGreen,
  reject: SGR.onRed,
  attention: SGR.onYellow,
};
const FG_COLOUR: Record<VerdictTone, number> = { accept: SGR.green, reject: SGR.red, attention: SGR.yellow };

export function renderScreen(state: UnitState, options: RenderOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const colour = options.colour ?? true;
  const paint = (text: string, ...codes: number[]): string =>
    colour && codes.length > 0 ? `\x1b[${codes.join(';')}m${text}\x1b[0m` : text;

  const body: string[] = [
    ...verdictRows(state.verdict, width, paint),
    ...signalRows(state.signal, width, paint),
  ];
  const statusLines = renderStatus(state.status, width, paint);

  const title = options.title ? clip(` ${options.title} `, width - 2) : '';
  const top = `┌─${title}${'─'.repeat(Math.max(0, width - displayWidth(title) - 1))}┐`;
  const row = (line: string): string => `│ ${padTo(clip(line, width - 2), width - 2)} │`;
  return [
    top,
    ...body.map(row),
    `├${'─'.repeat(width)}┤`,
    ...statusLines.map(row),
    `└${'─'.repeat(width)}┘`,
  ].join('\n');
}

type Paint = (text: string, ...codes: number[]) => string;

function verdictRows(v: VerdictScreen | null, width: number, paint: Paint): string[] {
  const inner = width - 2;
  if (!v) return [clip(LABEL_JA.idle, inner), '', '', ''];
  const l = verdictLines(v);
  return [
    paint(padTo(clip(l.headline, inner), inner), SGR.bold, ON_COLOUR[v.tone]),
    clip(l.details, inner),
    l.money === ''
      ? ''
      : paint(clip(l.money, inner), ...(v.excess !== null ? [SGR.bold, FG_COLOUR[v.tone]] : [])),
    clip(l.card, inner),
  ];
}

function signalRows(s: SignalPattern | null, width: number, paint: Paint): string[] {
  if (!s) return [''];
  const blink = (s.light & LIGHT_BLINK) !== 0;
  const light = paint(lightLine(s.tone), FG_COLOUR[s.tone], ...(blink ? [SGR.blink] : []));
  return [`${clip(toneLine(s.tone), width - 14)}  ${light}`];
}

export function renderStatus(s: StatusLine | null, width: number, paint: Paint = (t) => t): string[] {
  const inner = width - 2;
  if (!s) return [LABEL_JA.noStatus];
  const l = statusLines(s);
  const listBad = s.listVersion === null || s.listStale;
  const lines = [
    listBad ? paint(clip(l.list, inner), SGR.bold, SGR.red) : clip(l.list, inner),
    paint(clip(l.link, inner), s.link === 'online' ? SGR.green : SGR.yellow),
  ];
  if (l.readers !== '') lines.push(clip(l.readers, inner));
  for (const alarm of l.alarms) lines.push(paint(clip(alarm, inner), SGR.bold, SGR.red));
  return lines;
}

/** Several boxes next to each other (the demo shows every bus's screen in one terminal). */
export function sideBySide(blocks: readonly string[], gap = 2): string {
  const split = blocks.map((b) => b.split('\n'));
  const widths = split.map((lines) => Math.max(0, ...lines.map(displayWidth)));
  const height = Math.max(0, ...split.map((l) => l.length));
  const out: string[] = [];
  for (let i = 0; i < height; i++) {
    out.push(
      split
        .map((lines, b) => padTo(lines[i] ?? '', widths[b]!))
        .join(' '.repeat(gap))
        .trimEnd(),
    );
  }
  return out.join('\n');
}
