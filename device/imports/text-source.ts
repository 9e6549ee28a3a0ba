/**
 * Text of an input file, streamed in bounded chunks. UTF-8 (with or without BOM) is the norm;
 * a file that is not valid UTF-8 is read as CP932 (Shift_JIS with the Microsoft extensions),
 * which is what Japanese back offices and Excel export. Line ends come out as `\n` only, so line
 * numbers can be counted the same way for every format.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';

export type TextEncoding = 'utf-8' | 'cp932';

/** Bytes per read: large enough for throughput, small enough to keep memory flat at 1M rows. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Checks the whole file once for valid UTF-8 (without decoding it: no garbage). A whole pass is
 * needed because the first non-UTF-8 byte (a Japanese name on row 900,000) may be anywhere; it
 * costs one extra sequential read, far less than the parse.
 */
export async function detectEncoding(file: string): Promise<TextEncoding> {
  let carry: Buffer | null = null;
  for await (const data of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    const chunk: Buffer = carry ? Buffer.concat([carry, data as Buffer]) : (data as Buffer);
    // A character split across reads is checked with the next read.
    const cut = completeLength(chunk);
    if (!isUtf8(chunk.subarray(0, cut))) return 'cp932';
    carry = cut < chunk.length ? Buffer.from(chunk.subarray(cut)) : null;
  }
  return carry === null || isUtf8(carry) ? 'utf-8' : 'cp932';
}

/** Length of `b` without a trailing incomplete UTF-8 sequence (at most 3 bytes are held back). */
function completeLength(b: Buffer): number {
  const n = b.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const c = b[n - back]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Decoded text chunks, BOM removed, CRLF (and a CR split across chunks) turned into LF. */
export async function* readTextChunks(file: string, encoding: TextEncoding): AsyncGenerator<string> {
  const decode = makeDecoder(encoding);
  let pendingCr = false;
  const normalize = (text: string): string => {
    let t = pendingCr ? `\r${text}` : text;
    pendingCr = t.endsWith('\r');
    if (pendingCr) t = t.slice(0, -1);
    return t.includes('\r') ? t.replace(/\r\n/g, '\n') : t;
  };
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    const text = normalize(decode(chunk as Buffer, false));
    if (text) yield text;
  }
  const tail = decode(Buffer.alloc(0), true);
  const last = normalize(tail) + (pendingCr ? '\r' : '');
  if (last) yield last;
}

type Decode = (bytes: Buffer, end: boolean) => string;

function makeDecoder(encoding: TextEncoding): Decode {
  if (encoding === 'utf-8') {
    // ignoreBOM: false (the default) drops a leading BOM.
    const decoder = new TextDecoder('utf-8');
    return (bytes, end) => decoder.decode(bytes, { stream: !end });
  }
  const decoder = iconv.getDecoder('cp932', { stripBOM: true });
  return (bytes, end) => (end ? (decoder.end() ?? '') : decoder.write(bytes));
}

/**
 * Re-yields a chunk stream after looking at its first non-blank character (for format sniffing),
 * without reading more than needed.
 */
export async function peekFirstChar(
  chunks: AsyncGenerator<string>,
): Promise<{ first: string | null; chunks: AsyncGenerator<string> }> {
  const seen: string[] = [];
  let first: string | null = null;
  for (;;) {
    const next = await chunks.next();
    if (next.done) break;
    seen.push(next.value);
    const m = /\S/.exec(next.value);
    if (m) {
      first = m[0];
      break;
    }
  }
  async function* replay(): AsyncGenerator<string> {
    try {
      yield* seen;
      yield* chunks;
    } finally {
      await chunks.return(undefined);
    }
  }
  return { first, chunks: replay() };
}
