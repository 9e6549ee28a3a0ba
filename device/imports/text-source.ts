/**
 * Text of an input (a file, a FIFO, `<(…)`, or stdin), read ONCE as a stream in bounded chunks.
 * Reading once matters: a pipe cannot be read twice, so an earlier whole-file encoding check left
 * nothing for the parse ("empty file"), and on /dev/zero it never ended (issue 12).
 *
 * The encoding is decided from the first bytes that tell: a UTF-8 BOM means UTF-8; a UTF-16 BOM
 * or a NUL byte means the input is not text we read; until the first byte ≥ 0x80 the text is ASCII,
 * which reads the same in both encodings, so the decision waits for it and then sniffs a bounded
 * window (SNIFF_BYTES): valid UTF-8 there means UTF-8, anything else CP932 (Shift_JIS with the
 * Microsoft extensions, what Japanese back offices and Excel export). A file that began as UTF-8
 * and later holds bytes that are not is refused at that line rather than read as mojibake. Line
 * ends come out as `\n` only, so every format counts lines the same way. Input larger than
 * `maxBytes` is refused at the byte that crosses it.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import iconv from 'iconv-lite';
import { type ErrorCollector, ImportError } from './import-error.js';

export type TextEncoding = 'utf-8' | 'cp932';

/** A path (`-` is NOT special here: the CLI turns it into a stream), or a stream with a name. */
export type InputSource = string | { readonly name: string; readonly stream: NodeJS.ReadableStream };

/** The name an input's problems are reported under (`passes.csv:12: idm: …`, `stdin:12: …`). */
export function inputName(src: InputSource): string {
  return typeof src === 'string' ? src : src.name;
}

/**
 * Default cap on the bytes one input may hold: 1 GiB. A million passes are ~150 MB of CSV and
 * ~350 MB as an indented JSON array, so this leaves room for several million in any format, while
 * a runaway pipe is stopped after seconds instead of filling memory and disk.
 */
export const DEFAULT_MAX_INPUT_BYTES = 1024 ** 3;

/** Bytes per read: large enough for throughput, small enough to keep memory flat at 1M rows. */
const CHUNK_BYTES = 256 * 1024;

/** Bytes looked at, from the first non-ASCII byte on, to tell UTF-8 from CP932. */
export const SNIFF_BYTES = 4096;

export interface TextReadOptions {
  /** Refuse input longer than this many bytes (DEFAULT_MAX_INPUT_BYTES). */
  readonly maxBytes?: number;
  /** How a person raises the cap (e.g. `--max-bytes`), named in the refusal. */
  readonly maxBytesHint?: string;
  /** Sees every byte read, in order (the GTFS import hashes the files it reads). */
  readonly onBytes?: (bytes: Buffer) => void;
}

/** What the reader found out; `encoding` is final once the chunks are consumed. */
export interface TextReadState {
  encoding: TextEncoding;
  bytes: number;
}

/**
 * Decoded text chunks of `src`, BOM removed, CRLF (and a CR split across chunks) turned into LF.
 * Problems of the input as a whole (cannot read, too large, not text) go to `errors.fail`, which
 * throws ImportRefusedError naming the input and, where known, the line.
 */
export async function* readTextChunks(
  src: InputSource,
  errors: ErrorCollector,
  state: TextReadState = { encoding: 'utf-8', bytes: 0 },
  opts: TextReadOptions = {},
): AsyncGenerator<string> {
  const name = inputName(src);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const fail = (line: number | null, message: string): never =>
    errors.fail(new ImportError(name, line, null, message));
  const decoder = new StreamDecoder();
  let lines = 1;
  let pendingCr = false;
  const normalize = (text: string): string => {
    let t = pendingCr ? `\r${text}` : text;
    pendingCr = t.endsWith('\r');
    if (pendingCr) t = t.slice(0, -1);
    if (t.includes('\r')) t = t.replace(/\r\n/g, '\n');
    lines += countLf(t);
    return t;
  };
  // NUL decodes to U+0000 in both encodings; no export or GTFS file holds one (/dev/zero, a
  // database file, UTF-16 without a BOM are refused at once instead of read as text).
  const checkNoNul = (text: string): void => {
    const nul = text.indexOf('\u0000');
    if (nul === -1) return;
    const at = lines + countLf(text.slice(0, nul).replace(/\r\n/g, '\n'));
    fail(at, 'is not a text file (it holds a NUL byte): export it as CSV or JSON text');
  };
  const stream = typeof src === 'string' ? createReadStream(src, { highWaterMark: CHUNK_BYTES }) : src.stream;
  try {
    for await (const data of readChunks(stream, fail)) {
      state.bytes += data.length;
      if (state.bytes > maxBytes) {
        const hint = opts.maxBytesHint ? `; raise it with ${opts.maxBytesHint}` : '';
        fail(null, `larger than the input limit of ${formatBytes(maxBytes)} (${maxBytes} bytes${hint})`);
      }
      opts.onBytes?.(data);
      const out = decoder.write(data, false);
      if (!out.ok) fail(lines + countLf(out.text.replace(/\r\n/g, '\n')), out.problem);
      checkNoNul(out.text);
      state.encoding = decoder.encoding;
      const text = normalize(out.text);
      if (text) yield text;
    }
    const tail = decoder.write(Buffer.alloc(0), true);
    if (!tail.ok) fail(lines + countLf(tail.text), tail.problem);
    checkNoNul(tail.text);
    state.encoding = decoder.encoding;
    const last = normalize(tail.text) + (pendingCr ? '\r' : '');
    if (last) yield last;
  } finally {
    // A consumer that stops early (error cap, refused row) must not leave a file open.
    if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
  }
}

/** The stream's chunks as Buffers; a read error (ENOENT, EISDIR, EACCES …) refuses the input. */
async function* readChunks(
  stream: NodeJS.ReadableStream,
  fail: (line: number | null, message: string) => never,
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream)
      yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
  } catch (err) {
    fail(null, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

type DecodeResult =
  | { readonly ok: true; readonly text: string }
  /** `text` is what decoded before the problem, to count lines. */
  | { readonly ok: false; readonly text: string; readonly problem: string };

/**
 * Bytes to text with the encoding decided on the way (see the file comment). Holds back at most
 * SNIFF_BYTES + 3 bytes while undecided.
 */
class StreamDecoder {
  #state: 'start' | 'ascii' | 'utf-8' | 'cp932' = 'start';
  #held: Buffer = Buffer.alloc(0);
  #utf8: TextDecoder | null = null;
  #cp932: ReturnType<typeof iconv.getDecoder> | null = null;

  get encoding(): TextEncoding {
    return this.#state === 'cp932' ? 'cp932' : 'utf-8';
  }

  write(bytes: Buffer, end: boolean): DecodeResult {
    let buf = this.#held.length > 0 ? Buffer.concat([this.#held, bytes]) : bytes;
    this.#held = Buffer.alloc(0);
    let prefix = '';
    if (this.#state === 'start') {
      if (buf.length < 3 && !end && isPrefixOfBom(buf)) {
        this.#held = Buffer.from(buf);
        return { ok: true, text: '' };
      }
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        this.#decide('utf-8');
        buf = buf.subarray(3);
      } else if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
        return {
          ok: false,
          text: '',
          problem: 'is UTF-16 text (it starts with a UTF-16 byte order mark): save it as UTF-8 or Shift_JIS',
        };
      } else this.#state = 'ascii';
    }
    if (this.#state === 'ascii') {
      const high = firstHighByte(buf);
      if (high === -1) return { ok: true, text: buf.toString('latin1') };
      // ASCII up to `high` reads the same in both encodings; sniff from there.
      const window = buf.subarray(high, high + SNIFF_BYTES);
      if (window.length < SNIFF_BYTES && !end) {
        this.#held = Buffer.from(buf.subarray(high));
        return { ok: true, text: buf.toString('latin1', 0, high) };
      }
      const sound = end ? window : window.subarray(0, completeLength(window));
      this.#decide(isUtf8(sound) ? 'utf-8' : 'cp932');
      prefix = buf.toString('latin1', 0, high);
      buf = buf.subarray(high);
    }
    if (this.#state === 'utf-8') {
      try {
        return { ok: true, text: prefix + this.#utf8!.decode(buf, { stream: !end }) };
      } catch {
        const loose = new TextDecoder('utf-8').decode(buf);
        const bad = loose.indexOf('\uFFFD');
        return {
          ok: false,
          text: prefix + loose.slice(0, Math.max(0, bad)),
          problem: 'is not valid UTF-8 here, though it began as UTF-8 (mixed encodings?)',
        };
      }
    }
    const d = this.#cp932!;
    return { ok: true, text: prefix + d.write(buf) + (end ? (d.end() ?? '') : '') };
  }

  #decide(encoding: TextEncoding): void {
    this.#state = encoding;
    if (encoding === 'utf-8') this.#utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    else this.#cp932 = iconv.getDecoder('cp932', { stripBOM: true });
  }
}

function isPrefixOfBom(b: Buffer): boolean {
  const boms = [
    [0xef, 0xbb, 0xbf],
    [0xff, 0xfe],
    [0xfe, 0xff],
  ];
  return boms.some((bom) => b.every((byte, i) => bom[i] === byte));
}

function firstHighByte(b: Buffer): number {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return i;
  return -1;
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

function countLf(t: string): number {
  let n = 0;
  for (let i = t.indexOf('\n'); i !== -1; i = t.indexOf('\n', i + 1)) n++;
  return n;
}

function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
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
