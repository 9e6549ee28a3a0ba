/** Card read failures are a port-level error type (hardware/ports/errors.ts); re-exported here. */
export { CardReadError, type CardReadFailure } from '../ports/errors.js';

/**
 * The PC/SC binding (nfc-pcsc and its native @pokusew/pcsclite) cannot be loaded: it is an
 * optional dependency that does not compile without libpcsclite-dev (issue 11). Unlike pcscd
 * being down, which the adapter waits out, this lasts until someone installs it: `teiki run`
 * exits 3 (a configured device is missing) with this one line. The loader's error is the cause.
 *
 * What to run after apt-get depends on what npm did: when the compile failed during `npm ci` or
 * `npm install`, npm removed the optional package altogether, and only `npm install` brings it
 * back; when the package is there without a working binary (installed with --ignore-scripts,
 * or libpcsclite removed since), `npm rebuild` compiles it again.
 */
export class PcscUnavailableError extends Error {
  override readonly name = 'PcscUnavailableError';
  /** True when the nfc-pcsc package (or @pokusew/pcsclite under it) is not in node_modules at all. */
  readonly packageMissing: boolean;
  constructor(cause: unknown) {
    const missing = isModuleNotFound(cause);
    const then = missing ? 'npm install (npm left nfc-pcsc out when it could not compile)' : 'npm rebuild';
    super(`the PC/SC binding is not installed: apt-get install libpcsclite-dev pcscd, then ${then}`, {
      cause,
    });
    this.packageMissing = missing;
  }
}

function isModuleNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // ERR_MODULE_NOT_FOUND: `import('nfc-pcsc')` finds no package; MODULE_NOT_FOUND: nfc-pcsc's
  // own `require('@pokusew/pcsclite')` finds none.
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}
