/**
 * The streaming readers give the same records and line numbers however the text is cut into
 * chunks (a chunk may end inside a quoted field, an escaped quote or a JSON string).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvRecord, CsvSplitter, CsvSyntaxError } from '../../../device/imports/csv-splitter.js';
import { type JsonRowItem, readJsonArray, readJsonLines } from '../../../device/imports/json-rows.js';

function splitCsv(chunks: readonly string[]): CsvRecord[] {
  const s = new CsvSplitter();
  const out: CsvRecord[] = [];
  for (const c of chunks) s.push(c, out);
  s.end(out);
  return out;
}

function cut(text: string, points: readonly number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of at) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}

async function collect(gen: AsyncIterable<JsonRowItem>): Promise<JsonRowItem[]> {
  const out: JsonRowItem[] = [];
  for await (const item of gen) out.push(item);
  return out;
}

async function* from(chunks: readonly string[]): AsyncGenerator<string> {
  yield* chunks;
}

const field = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '松') }),
  fc.stringMatching(/^[a-z0-9]{0,5}$/),
);

/** RFC 4180 writing of fields; quoted when needed, and sometimes anyway. */
function writeCsv(rows: string[][], quoteAll: boolean): string {
  return rows
    .map((r) => r.map((f) => (quoteAll || /[",\n ]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(','))
    .join('\n');
}

describe('the CSV splitter', () => {
  it('splits quoted fields, escaped quotes and line breaks inside quotes', () => {
    const text = 'a,"b,c","say ""hi"""\n"two\nlines",x,\n\n  spaced  , "q" ,z\n,,\nlast';
    expect(splitCsv([text])).toEqual([
      { line: 1, fields: ['a', 'b,c', 'say "hi"'] },
      { line: 2, fields: ['two\nlines', 'x', ''] },
      { line: 5, fields: ['spaced', 'q', 'z'] },
      { line: 7, fields: ['last'] },
    ]);
  });

  it('refuses an unclosed quote and text after a closing quote, naming the line', () => {
    expect(() => splitCsv(['a,b\n"open,c\nd'])).toThrow(CsvSyntaxError);
    expect(() => splitCsv(['a,b\n"x"y,c\n'])).toThrow(expect.objectContaining({ line: 2 }));
  });

  it('gives the same records for any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (rows, quoteAll, points) => {
          const text = writeCsv(rows, quoteAll);
          expect(splitCsv(cut(text, points))).toEqual(splitCsv([text]));
        },
      ),
    );
  });

  it('reads back what was written, on the right lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        (rows) => {
          const kept = rows.filter((r) => r.some((f) => f !== ''));
          const got = splitCsv([writeCsv(rows, true)]);
          expect(got.map((r) => r.fields)).toEqual(kept);
          let line = 1;
          const lines = rows.map((r) => {
            const at = line;
            line += r.join('').split('\n').length;
            return at;
          });
          expect(got.map((r) => r.line)).toEqual(lines.filter((_, i) => rows[i]!.some((f) => f !== '')));
        },
      ),
    );
  });
});

describe('the JSON readers', () => {
  const value = fc.oneof(
    fc.record({ a: fc.string(), b: fc.array(fc.integer()), c: fc.constantFrom(null, true, '[{"}]') }),
    fc.integer(),
    fc.string(),
  );

  it('split a JSON array into its elements for any chunking, with their lines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(value, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (vals, points) => {
          const text = JSON.stringify(vals, null, 1);
          const items = await collect(readJsonArray(from(cut(text, points))));
          expect(items.map((i) => ('value' in i ? i.value : i.error))).toEqual(vals);
          const starts = items.map((i) => i.line);
          expect(starts).toEqual([...starts].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('report a broken array as an error item', async () => {
    const items = await collect(readJsonArray(from(['[{"a":1},\n{"a":', '2}'])));
    expect(items).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, error: expect.stringMatching(/not closed/) },
    ]);
    expect(await collect(readJsonArray(from(['{"a":1}'])))).toEqual([
      { line: 1, error: 'not a JSON array (expected "[")' },
    ]);
  });

  it('read JSON Lines for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(value, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (vals, points) => {
          const text = vals.map((v) => JSON.stringify(v)).join('\n\n');
          const items = await collect(readJsonLines(from(cut(text, points))));
          expect(items).toEqual(vals.map((v, i) => ({ line: 2 * i + 1, value: v })));
        },
      ),
    );
  });
});
