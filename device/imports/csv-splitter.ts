/**
 * An RFC 4180 record splitter over streamed text (LF line ends, see text-source.ts) that knows
 * the physical line each record starts on. Written here rather than using csv-parse: with the
 * line information we need, csv-parse cost ~13 µs a row, which is minutes at a million rows;
 * this does a plain line (no quotes) with one indexOf and one split.
 */

export interface CsvRecord {
  /** 1-based physical line the record starts on. */
  readonly line: number;
  /** Unquoted fields are trimmed of spaces and tabs; quoted ones are kept as written. */
  readonly fields: string[];
}

/** Broken quoting: the rest of the file cannot be split reliably. */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Longest record (characters, quoted line breaks included) the splitter holds while waiting for
 * its end. Rows of a sales export or a GTFS file are far below it; without it, one unclosed quote
 * in a 64 MiB file cost 7.6 s and 600 MiB (each chunk rescanned the open record), issue 7.
 */
export const MAX_RECORD_CHARS = 1 << 20;

export class CsvSplitter {
  #buf = '';
  /** Line number of the first character of #buf. */
  #line = 1;

  /** Splits off every complete record of the text so far into `out`. */
  push(chunk: string, out: CsvRecord[]): void {
    this.#buf = this.#buf === '' ? chunk : this.#buf + chunk;
    this.#drain(out, false);
  }

  /** The last record (without a final newline); throws CsvSyntaxError on an unclosed quote. */
  end(out: CsvRecord[]): void {
    this.#drain(out, true);
  }

  #drain(out: CsvRecord[], atEnd: boolean): void {
    const buf = this.#buf;
    let pos = 0;
    // Next quote at or after pos, searched again only once passed (else every line would scan
    // to the end of a quote-free chunk).
    let quote = buf.indexOf('"');
    while (pos < buf.length) {
      const nl = buf.indexOf('\n', pos);
      if (nl === -1 && !atEnd) break;
      const lineEnd = nl === -1 ? buf.length : nl;
      if (quote !== -1 && quote < pos) quote = buf.indexOf('"', pos);
      if (quote === -1 || quote > lineEnd) {
        // Fast path: a line without quotes is one record.
        const text = buf.slice(pos, lineEnd);
        if (!isBlank(text)) out.push({ line: this.#line, fields: trimAll(text.split(',')) });
        this.#line++;
        pos = lineEnd + 1;
        continue;
      }
      const parsed = this.#quoted(buf, pos, atEnd);
      if (parsed === null) break; // a quoted field runs past the text we have
      if (!parsed.fields.every((f) => f === '')) out.push({ line: this.#line, fields: parsed.fields });
      this.#line += parsed.lines;
      pos = parsed.next;
    }
    this.#buf = pos >= buf.length ? '' : buf.slice(pos);
    if (this.#buf.length > MAX_RECORD_CHARS) {
      throw new CsvSyntaxError(this.#line, `a record is longer than ${MAX_RECORD_CHARS} characters`);
    }
  }

  /** One record with quotes, from `start`; null when it does not end within `buf` yet. */
  #quoted(
    buf: string,
    start: number,
    atEnd: boolean,
  ): { fields: string[]; lines: number; next: number } | null {
    const fields: string[] = [];
    let lines = 1;
    let i = start;
    for (;;) {
      // At the start of a field (after skipping blanks, a quote opens a quoted field).
      let j = i;
      while (j < buf.length && (buf.charCodeAt(j) === 32 || buf.charCodeAt(j) === 9)) j++;
      if (buf.charCodeAt(j) === 34) {
        let value = '';
        let k = j + 1;
        for (;;) {
          const close = buf.indexOf('"', k);
          if (close === -1 || close + 1 >= buf.length) {
            if (close !== -1 && atEnd) {
              value += buf.slice(k, close);
              k = close + 1;
              break;
            }
            if (!atEnd) return null;
            throw new CsvSyntaxError(this.#line, 'a quoted field is not closed');
          }
          value += buf.slice(k, close);
          if (buf.charCodeAt(close + 1) === 34) {
            value += '"';
            k = close + 2;
            continue;
          }
          k = close + 1;
          break;
        }
        lines += countNewlines(value);
        while (k < buf.length && (buf.charCodeAt(k) === 32 || buf.charCodeAt(k) === 9)) k++;
        fields.push(value);
        if (k >= buf.length) {
          if (!atEnd) return null;
          return { fields, lines, next: k };
        }
        const c = buf.charCodeAt(k);
        if (c === 44) {
          i = k + 1;
          continue;
        }
        if (c === 10) return { fields, lines, next: k + 1 };
        throw new CsvSyntaxError(this.#line + lines - 1, 'unexpected text after a closing quote');
      }
      // An unquoted field: up to the next comma or newline (a stray quote inside is kept as is).
      let end = i;
      while (end < buf.length) {
        const c = buf.charCodeAt(end);
        if (c === 44 || c === 10) break;
        end++;
      }
      fields.push(buf.slice(i, end).trim());
      if (end >= buf.length) {
        if (!atEnd) return null;
        return { fields, lines, next: end };
      }
      if (buf.charCodeAt(end) === 10) return { fields, lines, next: end + 1 };
      i = end + 1;
    }
  }
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 44 && c !== 32 && c !== 9) return false;
  }
  return true;
}

function trimAll(fields: string[]): string[] {
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length > 0 && (isSpace(f.charCodeAt(0)) || isSpace(f.charCodeAt(f.length - 1))))
      fields[i] = f.trim();
  }
  return fields;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

function countNewlines(v: string): number {
  let n = 0;
  for (let i = v.indexOf('\n'); i !== -1; i = v.indexOf('\n', i + 1)) n++;
  return n;
}
