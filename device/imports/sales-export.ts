/**
 * Reading a sales export (DESIGN.md "Data contracts"): CSV with a header, JSON Lines or a JSON
 * array, UTF-8 or CP932, streamed row by row into a sink. Rows are validated by the one sales-row
 * schema; every problem names file, line and field; up to 20 are collected, then the whole file
 * is refused (the caller's sink must discard what it took — ListStore's replacement does).
 */
import { extname } from 'node:path';
import type { Pass } from '../domain/pass.js';
import { readCsvTable } from './csv-table.js';
import { ErrorCollector, ImportError, ImportRefusedError, MAX_IMPORT_ERRORS } from './import-error.js';
import { type JsonRowItem, readJsonArray, readJsonLines } from './json-rows.js';
import { type NetworkRefs, offNetworkFields } from './pass-network-check.js';
import { SALES_COLUMNS, type SalesRowFormat, validateSalesRow } from './sales-row.js';
import {
  type InputSource,
  inputName,
  peekFirstChar,
  readTextChunks,
  type TextEncoding,
  type TextReadOptions,
  type TextReadState,
} from './text-source.js';

export type SalesFileFormat = 'csv' | 'jsonl' | 'json';

/** Takes valid rows as they are read. */
export interface SalesRowSink {
  /** Returns null when taken, or the line of an earlier row with the same pass_id. */
  add(pass: Pass, line: number): number | null;
}

export interface ReadSalesOptions {
  /** Called every `progressEvery` rows and once at the end, with the rows read so far. */
  readonly onProgress?: (rowsDone: number) => void;
  readonly progressEvery?: number;
  readonly maxErrors?: number;
  /** A file without a single row is refused unless allowed (an empty list would refuse every card). */
  readonly allowEmpty?: boolean;
  /** Overrides detection by extension and content. */
  readonly format?: SalesFileFormat;
  /**
   * The network in force: a row naming an area, operator or issuer it lacks is refused at its
   * line and field (issue 12). Absent or null: no network to check against.
   */
  readonly network?: NetworkRefs | null;
  /** Size cap and its hint (text-source.ts). */
  readonly input?: TextReadOptions;
}

export interface SalesReadResult {
  readonly rows: number;
  readonly format: SalesFileFormat;
  readonly encoding: TextEncoding;
}

const BY_EXTENSION: Readonly<Record<string, SalesFileFormat>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
};

/**
 * Streams `source` (a path, or a named stream such as stdin) into `sink`, reading it once.
 * Throws ImportRefusedError listing the problems, after reading.
 */
export async function readSalesExport(
  source: InputSource,
  sink: SalesRowSink,
  opts: ReadSalesOptions = {},
): Promise<SalesReadResult> {
  const errors: ErrorCollector = new ErrorCollector(opts.maxErrors ?? MAX_IMPORT_ERRORS);
  const every = opts.progressEvery ?? 10_000;
  const file = inputName(source);
  const state: TextReadState = { encoding: 'utf-8', bytes: 0 };
  const peeked = await peekFirstChar(readTextChunks(source, errors, state, opts.input));
  const byName = typeof source === 'string' ? BY_EXTENSION[extname(source).toLowerCase()] : undefined;
  const format = opts.format ?? byName ?? sniff(peeked.first);

  let rows = 0;
  const take = (raw: unknown, line: number, rowFormat: SalesRowFormat): void => {
    const result = validateSalesRow(raw, rowFormat);
    if (!result.ok) {
      for (const e of result.errors) errors.add(new ImportError(file, line, e.field, e.message));
      return;
    }
    if (opts.network) {
      const off = offNetworkFields(result.pass, opts.network);
      if (off.length > 0) {
        for (const e of off) errors.add(new ImportError(file, line, e.field, e.message));
        return;
      }
    }
    const earlier = sink.add(result.pass, line);
    if (earlier !== null) {
      errors.add(
        new ImportError(
          file,
          line,
          'pass_id',
          `duplicate "${result.pass.pass_id}" (first on line ${earlier})`,
        ),
      );
      return;
    }
    rows++;
    if (rows % every === 0) opts.onProgress?.(rows);
  };

  if (format === 'csv') {
    for await (const row of readCsvTable(peeked.chunks, file, SALES_COLUMNS, errors)) {
      take(row.record, row.line, 'csv');
      if (errors.full) break;
    }
  } else {
    const items: AsyncIterable<JsonRowItem> =
      format === 'jsonl' ? readJsonLines(peeked.chunks) : readJsonArray(peeked.chunks);
    for await (const item of items) {
      if ('error' in item) errors.add(new ImportError(file, item.line, null, item.error));
      else take(item.value, item.line, 'json');
      if (errors.full) break;
    }
  }
  errors.throwIfAny();
  if (rows === 0 && !opts.allowEmpty) {
    throw new ImportRefusedError(
      [new ImportError(file, null, null, 'no rows (an empty pass list is refused)')],
      false,
    );
  }
  opts.onProgress?.(rows);
  return { rows, format, encoding: state.encoding };
}

/** Without a known extension: `[` opens a JSON array, `{` a JSON Lines file, anything else is CSV. */
function sniff(first: string | null): SalesFileFormat {
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  return 'csv';
}

/** A sink that keeps rows in memory: for small files (replay scenarios, tests). */
export class MemorySalesSink implements SalesRowSink {
  readonly passes: Pass[] = [];
  private readonly lines = new Map<string, number>();

  add(pass: Pass, line: number): number | null {
    const earlier = this.lines.get(pass.pass_id);
    if (earlier !== undefined) return earlier;
    this.lines.set(pass.pass_id, line);
    this.passes.push(pass);
    return null;
  }
}

/** Reads a small export whole into memory (validated, duplicates refused). */
export async function loadSalesExport(file: InputSource, opts: ReadSalesOptions = {}): Promise<Pass[]> {
  const sink = new MemorySalesSink();
  await readSalesExport(file, sink, opts);
  return sink.passes;
}
