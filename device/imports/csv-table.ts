/**
 * A CSV file with a header row, streamed record by record with the physical line each record
 * starts on. Used by the sales export and by every GTFS file: BOM, CRLF and quoted fields are
 * handled; columns not asked for are ignored; a missing required column refuses the file.
 */
import { type CsvRecord, CsvSplitter, CsvSyntaxError } from './csv-splitter.js';
import { type ErrorCollector, ImportError } from './import-error.js';

export interface CsvRow {
  /** 1-based physical line the record starts on. */
  readonly line: number;
  /** Values by header name (unquoted ones trimmed); short rows read as ''. */
  readonly record: Readonly<Record<string, string>>;
}

/**
 * Yields the data rows of `chunks` (LF line ends, see text-source.ts). Row-level problems (too
 * many fields) go to `errors` and the row is skipped; reading stops when `errors` is full.
 * File-level problems (no header, a missing column, broken quoting) refuse at once. Blank lines
 * and rows of bare commas (spreadsheets append them) are skipped.
 */
export async function* readCsvTable(
  chunks: AsyncIterable<string>,
  file: string,
  required: readonly string[],
  errors: ErrorCollector,
): AsyncGenerator<CsvRow> {
  const splitter = new CsvSplitter();
  let header: string[] | null = null;
  const batch: CsvRecord[] = [];
  const split = (chunk: string | null): void => {
    try {
      if (chunk === null) splitter.end(batch);
      else splitter.push(chunk, batch);
    } catch (err) {
      if (err instanceof CsvSyntaxError)
        errors.fail(new ImportError(file, err.line, null, `not valid CSV (${err.message})`));
      throw err;
    }
  };
  const source = chunks[Symbol.asyncIterator]();
  try {
    for (let done = false; !done; ) {
      const next = await source.next();
      done = next.done === true;
      batch.length = 0;
      split(done ? null : next.value);
      for (const rec of batch) {
        if (header === null) {
          header = checkHeader(rec.fields, file, rec.line, required, errors);
          continue;
        }
        if (rec.fields.length > header.length) {
          const message = `has ${rec.fields.length} fields, the header has ${header.length}`;
          errors.add(new ImportError(file, rec.line, null, message));
          if (errors.full) return;
          continue;
        }
        yield { line: rec.line, record: toRecord(header, rec.fields) };
      }
    }
  } finally {
    // Closes the file when the reader stops early (error cap, consumer break).
    await source.return?.(undefined);
  }
  if (header === null) errors.fail(new ImportError(file, null, null, 'empty file: no header row'));
}

function checkHeader(
  fields: string[],
  file: string,
  line: number,
  required: readonly string[],
  errors: ErrorCollector,
): string[] {
  const header = fields.map((f) => f.trim());
  const seen = new Set<string>();
  for (const name of header) {
    if (name !== '' && seen.has(name)) errors.add(new ImportError(file, line, name, 'column appears twice'));
    seen.add(name);
  }
  for (const name of required) {
    if (!seen.has(name)) errors.add(new ImportError(file, line, name, 'missing column'));
  }
  errors.throwIfAny();
  return header;
}

function toRecord(header: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) {
    const name = header[i]!;
    if (name === '' || name === '__proto__') continue;
    out[name] = values[i] ?? '';
  }
  return out;
}
