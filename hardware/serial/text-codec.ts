/**
 * Text on the display wire: UTF-8, or Shift_JIS for units with a JIS X 0208 font ROM.
 * Shift_JIS quirks handled here, once, for both ends:
 * - Unicode has two mappings of a few JIS characters (WAVE DASH 〜 vs FULLWIDTH TILDE ～, …);
 *   iconv-lite's table knows only the CP932 ones, so the others are normalised before encoding
 *   instead of becoming '?'.
 * - Byte 0x5C is YEN SIGN in JIS X 0201, which is what a Japanese display draws; iconv-lite
 *   decodes it as a backslash, so the decoder maps it back. (The screens write amounts as 円.)
 */
import iconv from 'iconv-lite';

export type TextEncoding = 'utf-8' | 'shift_jis';

const SJIS_NORMALISE: Record<string, string> = {
  '\u301c': '\uff5e', // 〜 WAVE DASH → ～
  '\u2212': '\uff0d', // − MINUS SIGN → －
  '\u2016': '\u2225', // ‖ → ∥
  '\u2014': '\u2015', // — EM DASH → ―
  '\u00a2': '\uffe0', // ¢ → ￠
  '\u00a3': '\uffe1', // £ → ￡
  '\u00ac': '\uffe2', // ¬ → ￢
};
const SJIS_NORMALISE_RE = new RegExp(`[${Object.keys(SJIS_NORMALISE).join('')}]`, 'g');

export interface TextCodec {
  readonly encoding: TextEncoding;
  /**
   * Encodes `text`, cutting it at a character boundary so that it fits `maxBytes`. Characters the
   * encoding lacks become '?'.
   */
  encode(text: string, maxBytes: number): { bytes: Buffer; truncated: boolean };
  decode(bytes: Uint8Array): string;
}

export function textCodec(encoding: TextEncoding): TextCodec {
  return encoding === 'utf-8' ? UTF8 : SHIFT_JIS;
}

const UTF8: TextCodec = {
  encoding: 'utf-8',
  encode(text, maxBytes) {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length <= maxBytes) return { bytes, truncated: false };
    let cut = maxBytes;
    // Step back over continuation bytes (10xxxxxx) so no character is split.
    while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
    return { bytes: bytes.subarray(0, cut), truncated: true };
  },
  decode(bytes) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  },
};

const SHIFT_JIS: TextCodec = {
  encoding: 'shift_jis',
  encode(text, maxBytes) {
    const normal = text.replace(SJIS_NORMALISE_RE, (c) => SJIS_NORMALISE[c] ?? c);
    const bytes = iconv.encode(normal, 'shift_jis');
    if (bytes.length <= maxBytes) return { bytes, truncated: false };
    // Shift_JIS cannot be cut from the end (a trail byte looks like ASCII), so cut by characters.
    let used = 0;
    const parts: Buffer[] = [];
    for (const ch of normal) {
      const b = iconv.encode(ch, 'shift_jis');
      if (used + b.length > maxBytes) break;
      parts.push(b);
      used += b.length;
    }
    return { bytes: Buffer.concat(parts, used), truncated: true };
  },
  decode(bytes) {
    return iconv.decode(Buffer.from(bytes), 'shift_jis').replaceAll('\\', '¥');
  },
};
