/**
 * The files of one GTFS / GTFS-JP feed directory: rows of the files an import needs, errors
 * naming file, line and field, and a hash of exactly the files read (the network version),
 * taken while they are read: each file is read once.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type CsvRow, readCsvTable } from './csv-table.js';
import { type ErrorCollector, ImportError } from './import-error.js';
import { readTextChunks, type TextReadOptions } from './text-source.js';

export class GtfsSource {
  /** sha256 over `name\0 bytes \0` of each file read, in reading order (files are read one at a time). */
  readonly #hash = createHash('sha256');

  constructor(
    readonly dir: string,
    readonly errors: ErrorCollector,
    /** Size cap per file (text-source.ts). */
    readonly input: TextReadOptions = {},
  ) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  has(name: string): boolean {
    try {
      return statSync(this.path(name)).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Rows of `name` (a missing required file refuses the feed at once; a missing optional one
   * yields nothing). Stops early when the error collector is full.
   */
  async *rows(name: string, columns: readonly string[], required: boolean): AsyncGenerator<CsvRow> {
    if (!this.has(name)) {
      if (required)
        this.errors.fail(new ImportError(this.path(name), null, null, 'missing (a required GTFS file)'));
      return;
    }
    const file = this.path(name);
    const hash = this.#hash;
    hash.update(`${name}\0`);
    const text = readTextChunks(file, this.errors, undefined, {
      ...this.input,
      onBytes: (bytes) => hash.update(bytes),
    });
    for await (const row of readCsvTable(text, file, columns, this.errors)) {
      yield row;
      if (this.errors.full) return;
    }
    hash.update('\0');
  }

  error(name: string, line: number | null, field: string | null, message: string): void {
    this.errors.add(new ImportError(this.path(name), line, field, message));
  }

  /** A non-empty value, or an error and null. */
  need(name: string, row: CsvRow, field: string): string | null {
    const v = row.record[field] ?? '';
    if (v === '') {
      this.error(name, row.line, field, 'is required');
      return null;
    }
    return v;
  }

  /** Short sha256 over the names and bytes of the files read, in reading order. Call once, at the end. */
  version(): string {
    return this.#hash.digest('hex').slice(0, 16);
  }
}

/** Counts first occurrences; a repeat is reported on its own line. */
export function checkUnique(
  src: GtfsSource,
  seen: Map<string, number>,
  name: string,
  field: string,
  id: string,
  line: number,
): boolean {
  const first = seen.get(id);
  if (first !== undefined) {
    src.error(name, line, field, `duplicate "${id}" (first on line ${first})`);
    return false;
  }
  seen.set(id, line);
  return true;
}
