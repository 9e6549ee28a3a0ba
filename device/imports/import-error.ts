/**
 * Errors of the import boundary (sales exports, GTFS feeds). Every error names the file, the
 * 1-based physical line and the field, so back-office staff can fix the source in one go.
 */

/** One problem in an input file: `passes.csv:12: idm: must be 16 hex characters`. */
export class ImportError extends Error {
  override readonly name = 'ImportError';

  constructor(
    readonly file: string,
    /** 1-based physical line of the record (its first line when a record spans several); null for the whole file. */
    readonly line: number | null,
    /** The field (column or key) at fault; null when the record or file as a whole is. */
    readonly field: string | null,
    readonly detail: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${field === null ? '' : `${field}: `}${detail}`);
  }
}

/**
 * A file refused as a whole: nothing of it was applied. `message` lists every collected error,
 * one per line, so a CLI can print it as is.
 */
export class ImportRefusedError extends Error {
  override readonly name = 'ImportRefusedError';

  constructor(
    readonly errors: readonly ImportError[],
    /** Reading stopped at the cap: the file may hold more errors. */
    readonly truncated: boolean,
  ) {
    const lines = errors.map((e) => e.message);
    if (truncated) lines.push(`(stopped after ${errors.length} errors)`);
    super(lines.join('\n'));
  }
}

/** Default cap on collected errors: enough to fix a file in one go, few enough to read. */
export const MAX_IMPORT_ERRORS = 20;

/** Collects errors up to a cap; `full` tells a reader to stop early. */
export class ErrorCollector {
  private readonly errors: ImportError[] = [];

  constructor(private readonly max: number = MAX_IMPORT_ERRORS) {}

  add(error: ImportError): void {
    if (this.errors.length < this.max) this.errors.push(error);
  }

  get count(): number {
    return this.errors.length;
  }

  get full(): boolean {
    return this.errors.length >= this.max;
  }

  /** Refuses the file if anything was collected. */
  throwIfAny(): void {
    if (this.errors.length > 0) throw new ImportRefusedError(this.errors, this.full);
  }

  /** Records an error and refuses at once (a file-level problem that stops reading). */
  fail(error: ImportError): never {
    this.add(error);
    throw new ImportRefusedError(this.errors, false);
  }
}
