/**
 * `teiki passes import FILE`: a sales export streamed into a full replacement of the local list,
 * all or nothing (the old list stays in force on any error, and if the process dies midway).
 * Before the commit, each row is checked against the network in force (pass-network-check.ts)
 * and the whole list against the drop guard the depot applies (list-drop-guard.ts).
 */
import type { ListStore } from '../store/list-store.js';
import type { PassChangeCounts } from '../store/types.js';
import { type DropGuardOptions, guardActiveDrop } from './list-drop-guard.js';
import {
  type ReadSalesOptions,
  readSalesExport,
  type SalesFileFormat,
  type SalesReadResult,
} from './sales-export.js';
import type { InputSource, TextEncoding, TextReadOptions } from './text-source.js';

export interface PassImportOptions {
  readonly onProgress?: (rowsDone: number) => void;
  readonly format?: SalesFileFormat;
  /** Accept a file with no rows (which empties the list). */
  readonly allowEmpty?: boolean;
  /** Replace the list even when most of its active passes would go (the drop guard). */
  readonly force?: boolean;
  readonly dropGuard?: DropGuardOptions;
  /** Size cap of the input (text-source.ts). */
  readonly input?: TextReadOptions;
  /** Told once the file is read and valid, before the guard and the commit (a stage line). */
  readonly onRead?: (read: SalesReadResult & { readonly networkChecked: boolean }) => void;
}

export interface PassImportResult extends PassChangeCounts {
  readonly file: string;
  readonly format: SalesFileFormat;
  readonly encoding: TextEncoding;
  /** The list version now in force. */
  readonly version: number;
  /** Whether rows were checked against a network (false: none imported yet). */
  readonly networkChecked: boolean;
  /** What went through only because of `force`. */
  readonly warnings: readonly string[];
}

/**
 * Throws ImportRefusedError (file:line: field: message, up to 20) when the file is refused, and
 * ListDropRefusedError when the guard refuses the list as a whole.
 */
export async function importPassesFile(
  store: ListStore,
  source: InputSource,
  opts: PassImportOptions = {},
): Promise<PassImportResult> {
  const before = store.info();
  const network = store.network.ids();
  const replacement = store.beginReplacement({ source: 'import' });
  try {
    const readOpts: ReadSalesOptions = {
      onProgress: opts.onProgress,
      format: opts.format,
      allowEmpty: opts.allowEmpty,
      network,
      input: opts.input,
    };
    const read = await readSalesExport(source, replacement, readOpts);
    opts.onRead?.({ ...read, networkChecked: network !== null });
    const warning = guardActiveDrop({
      action: 'import',
      activeBefore: before.version === null ? null : before.active,
      activeAfter: replacement.pendingCounts().byStatus.active ?? 0,
      force: opts.force === true,
      options: opts.dropGuard,
    });
    const counts = replacement.commit();
    return {
      file: typeof source === 'string' ? source : source.name,
      format: read.format,
      encoding: read.encoding,
      ...counts,
      version: store.info().version ?? 0,
      networkChecked: network !== null,
      warnings: warning === null ? [] : [warning],
    };
  } finally {
    replacement.abort();
  }
}
