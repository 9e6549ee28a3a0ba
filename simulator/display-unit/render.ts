/**
 * Draws the display unit's screen in a terminal: a box with the verdict (coloured as the light),
 * the pass details, the tone as text and the status line. Labels are the unit's own (its
 * firmware's), the verdict texts come from the bus as sent.
 */
import type { ReaderRole } from '../../hardware/ports/card-reader.js';
import type { StatusLine, VerdictScreen, VerdictTone } from '../../hardware/ports/driver-display.js';
import { LIGHT_BLINK, type SignalPattern } from '../../hardware/serial/display-signal.js';
import { clip, displayWidth, padTo } from './text-width.js';
import type { UnitState } from './unit.js';

export interface RenderOptions {
  /** Inner width in columns; default 44. */
  readonly width?: number;
  /** ANSI colours; default true. */
  readonly colour?: boolean;
  /** Shown in the top border, e.g. the bus id. */
  readonly title?: string;
}

export const TONE_TEXT: Record<VerdictTone, string> = {
  accept: '「ピッ」',
  reject: '「ピピピー」',
  attention: '「ピンポーン ピンポーン」',
};
const LIGHT_TEXT: Record<VerdictTone, string> = { accept: '緑', reject: '赤', attention: '黄' };
const READER_JA: Record<ReaderRole, string> = { boarding: '乗車', alighting: '降車' };
/** Reader states arrive as ASCII words on the wire (hardware/README.md); the driver reads Japanese. */
const READER_STATE_JA: Record<string, string> = { connected: '正常', disconnected: '未接続', error: '異常' };
const LINK_JA: Record<StatusLine['link'], string> = {
  online: 'オンライン',
  offline: 'オフライン',
  none: 'なし',
};

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
  const width = options.width ?? 44;
  const colour = options.colour ?? true;
  const paint = (text: string, ...codes: number[]): string =>
    colour && codes.length > 0 ? `\x1b[${codes.join(';')}m${text}\x1b[0m` : text;

  const body: string[] = [
    ...verdictLines(state.verdict, width, paint),
    ...signalLines(state.signal, width, paint),
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

function verdictLines(v: VerdictScreen | null, width: number, paint: Paint): string[] {
  const inner = width - 2;
  if (!v) return [clip('待機中', inner), '', '', ''];
  const where = v.reader ? `${READER_JA[v.reader]} ` : '';
  const headline = clip(`${where}${v.headline}`, inner);
  const details: string[] = [];
  if (v.kind) details.push(v.kind);
  if (v.validUntil) details.push(`有効期限 ${v.validUntil}`);
  const money: string[] = [];
  if (v.fare !== null) money.push(`運賃 ${yen(v.fare)}`);
  if (v.excess !== null) money.push(paint(`差額 ${yen(v.excess)}`, SGR.bold, FG_COLOUR[v.tone]));
  return [
    paint(padTo(headline, inner), SGR.bold, ON_COLOUR[v.tone]),
    clip(details.join('  '), inner),
    money.join('  '),
    v.card ? clip(`カード ${v.card}`, inner) : '',
  ];
}

function signalLines(s: SignalPattern | null, width: number, paint: Paint): string[] {
  if (!s) return [''];
  const blink = (s.light & LIGHT_BLINK) !== 0;
  const light = paint(
    `● ${LIGHT_TEXT[s.tone]}${blink ? '(点滅)' : ''}`,
    FG_COLOUR[s.tone],
    ...(blink ? [SGR.blink] : []),
  );
  return [`${clip(`音 ${TONE_TEXT[s.tone]}`, width - 14)}  ${light}`];
}

export function renderStatus(s: StatusLine | null, width: number, paint: Paint = (t) => t): string[] {
  const inner = width - 2;
  if (!s) return ['状態 未受信'];
  const list =
    s.listVersion === null
      ? paint('リストなし', SGR.red)
      : `リスト v${s.listVersion}${s.listAgeMinutes === null ? '' : ` ${s.listAgeMinutes}分前`}`;
  const stale = s.listStale ? ` ${paint('古い', SGR.bold, SGR.red)}` : '';
  const link = `通信 ${paint(LINK_JA[s.link], s.link === 'online' ? SGR.green : SGR.yellow)}`;
  const lines = [`${list}${stale}`, link];
  if (s.readers.length > 0) {
    lines.push(
      clip(
        s.readers.map((r) => `${READER_JA[r.reader]}:${READER_STATE_JA[r.state] ?? r.state}`).join(' '),
        inner,
      ),
    );
  }
  for (const alarm of s.alarms) lines.push(paint(clip(`! ${alarm}`, inner), SGR.bold, SGR.red));
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

function yen(n: number): string {
  return `¥${n.toLocaleString('ja-JP')}`;
}
