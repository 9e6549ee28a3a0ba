/**
 * Rows of a JSON Lines file or of a JSON array, streamed: each row is parsed on its own, so a
 * million-row export never sits in memory whole, and each keeps the physical line it starts on.
 */

import { MAX_RECORD_CHARS } from './csv-splitter.js';

const tooLong = `longer than ${MAX_RECORD_CHARS} characters`;

/** One row's JSON text (or what went wrong) and the line it starts on. */
export type JsonRowItem =
  | { readonly line: number; readonly value: unknown }
  | { readonly line: number; readonly error: string };

/** JSON Lines: one value per line; blank lines are skipped. */
export async function* readJsonLines(chunks: AsyncIterable<string>): AsyncGenerator<JsonRowItem> {
  let rest = '';
  let line = 0;
  for await (const chunk of chunks) {
    const text = rest + chunk;
    let start = 0;
    let nl = text.indexOf('\n', start);
    while (nl !== -1) {
      line++;
      const item = parseLine(text.slice(start, nl), line);
      if (item) yield item;
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    rest = text.slice(start);
    // A line that never ends is refused once it passes the bound, not held (and rescanned) whole.
    if (rest.length > MAX_RECORD_CHARS)
      return yield { line: line + 1, error: `not valid JSON (line ${tooLong})` };
  }
  if (rest !== '') {
    const item = parseLine(rest, line + 1);
    if (item) yield item;
  }
}

function parseLine(text: string, line: number): JsonRowItem | null {
  if (text.trim() === '') return null;
  return parseValue(text, line);
}

function parseValue(text: string, line: number): JsonRowItem {
  try {
    return { line, value: JSON.parse(text) };
  } catch (err) {
    return { line, error: `not valid JSON (${(err as Error).message})` };
  }
}

/**
 * A top-level JSON array, split into its elements by a small scanner (strings, escapes, nesting)
 * and each element handed to JSON.parse. A structural error ends the stream with an error item.
 */
export async function* readJsonArray(chunks: AsyncIterable<string>): AsyncGenerator<JsonRowItem> {
  type State = 'start' | 'expect-value' | 'in-value' | 'done';
  let state = 'start' as State;
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let buf = '';
  let valueLine = 1;
  let sawValue = false;
  for await (const chunk of chunks) {
    let segStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (state === 'in-value') {
        if (c === 10) line++;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92 /* \\ */) escaped = true;
          else if (c === 34 /* " */) inString = false;
          continue;
        }
        if (c === 34) inString = true;
        else if (c === 123 || c === 91 /* { [ */) depth++;
        else if (c === 125 || c === 93 /* } ] */) {
          if (depth === 0) {
            // `]` closing the outer array right after a bare value (number, literal).
            buf += chunk.slice(segStart, i);
            yield parseValue(buf, valueLine);
            buf = '';
            if (c === 93) state = 'done';
            else return yield { line, error: 'not valid JSON (unexpected "}")' };
            continue;
          }
          depth--;
        } else if (c === 44 /* , */ && depth === 0) {
          buf += chunk.slice(segStart, i);
          yield parseValue(buf, valueLine);
          buf = '';
          state = 'expect-value';
        }
        continue;
      }
      if (c === 10) {
        line++;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) continue;
      if (state === 'start') {
        if (c !== 91) return yield { line, error: 'not a JSON array (expected "[")' };
        state = 'expect-value';
      } else if (state === 'expect-value') {
        if (c === 93 && !sawValue) {
          state = 'done';
          continue;
        }
        state = 'in-value';
        sawValue = true;
        valueLine = line;
        segStart = i;
        depth = 0;
        inString = false;
        escaped = false;
        i--; // rescan this character as part of the value
      } else {
        return yield { line, error: 'not valid JSON (text after the closing "]")' };
      }
    }
    if (state === 'in-value') {
      buf += chunk.slice(segStart);
      if (buf.length > MAX_RECORD_CHARS)
        return yield { line: valueLine, error: `not valid JSON (element ${tooLong})` };
    }
  }
  if (state !== 'done') yield { line, error: 'not valid JSON (the array is not closed with "]")' };
}
