/** Card read failures are a port-level error type (hardware/ports/errors.ts); re-exported here. */
export { CardReadError, type CardReadFailure } from '../ports/errors.js';

/** What a machine without the PC/SC binding needs, in the words the operator types. */
export const PCSC_INSTALL_HINT = 'apt-get install libpcsclite-dev pcscd, then npm rebuild';

/**
 * The PC/SC binding (nfc-pcsc and its native @pokusew/pcsclite) cannot be loaded: it is an
 * optional dependency that does not compile without libpcsclite-dev (issue 11). Unlike pcscd
 * being down, which the adapter waits out, this lasts until someone installs it: `teiki run`
 * exits 3 (a configured device is missing) with this one line. The loader's error is the cause.
 */
export class PcscUnavailableError extends Error {
  override readonly name = 'PcscUnavailableError';
  constructor(cause: unknown) {
    super(`the PC/SC binding is not installed: ${PCSC_INSTALL_HINT}`, { cause });
  }
}
