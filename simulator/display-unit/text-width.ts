/**
 * Terminal column width of Japanese text (East Asian Wide and Fullwidth characters take two
 * columns, UAX #11), enough to draw boxes around mixed kana, kanji and ASCII. ANSI escapes take none.
 */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x20000, 0x3fffd],
];

const ANSI = /\x1b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  for (const [lo, hi] of WIDE) if (cp >= lo && cp <= hi) return 2;
  return 1;
}

export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of stripAnsi(text)) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** Cuts `text` to at most `columns` columns, marking the cut with '…'; ANSI colours are kept. */
export function clip(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  let out = '';
  let w = 0;
  let coloured = false;
  for (let i = 0; i < text.length; ) {
    const ansi = /^\x1b\[[0-9;]*m/.exec(text.slice(i, i + 16));
    if (ansi) {
      out += ansi[0];
      coloured = true;
      i += ansi[0].length;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const cw = charWidth(cp);
    if (w + cw > columns - 1) break;
    out += String.fromCodePoint(cp);
    w += cw;
    i += cp > 0xffff ? 2 : 1;
  }
  return `${out}…${coloured ? '\x1b[0m' : ''}`;
}

/** Pads (possibly coloured) `text` with spaces to exactly `columns` columns. */
export function padTo(text: string, columns: number): string {
  return text + ' '.repeat(Math.max(0, columns - displayWidth(text)));
}
