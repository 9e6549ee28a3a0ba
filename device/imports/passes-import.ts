/**
 * `teiki passes import FILE`: a sales export streamed into a full replacement of the local list,
 * all or nothing (the old list stays in force on any error, and if the process dies midway).
 */
import type { ListStore } from '../store/list-store.js';
import type { PassChangeCounts } from '../store/types.js';
import { type ReadSalesOptions, readSalesExport, type SalesFileFormat } from './sales-export.js';
import type { TextEncoding } from './text-source.js';

export interface PassImportOptions {
  readonly onProgress?: (rowsDone: number) => void;
  readonly format?: SalesFileFormat;
  /** Accept a file with no rows (which empties the list). */
  readonly allowEmpty?: boolean;
}

export interface PassImportResult extends PassChangeCounts {
  readonly file: string;
  readonly format: SalesFileFormat;
  readonly encoding: TextEncoding;
  /** The list version now in force. */
  readonly version: number;
}

/** Throws ImportRefusedError (file:line: field: message, up to 20) when the file is refused. */
export async function importPassesFile(
  store: ListStore,
  file: string,
  opts: PassImportOptions = {},
): Promise<PassImportResult> {
  const replacement = store.beginReplacement({ source: 'import' });
  try {
    const readOpts: ReadSalesOptions = {
      onProgress: opts.onProgress,
      format: opts.format,
      allowEmpty: opts.allowEmpty,
    };
    const read = await readSalesExport(file, replacement, readOpts);
    const counts = replacement.commit();
    return {
      file,
      format: read.format,
      encoding: read.encoding,
      ...counts,
      version: store.info().version ?? 0,
    };
  } finally {
    replacement.abort();
  }
}
