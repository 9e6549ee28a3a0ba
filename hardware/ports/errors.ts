/**
 * Errors by meaning (STYLE.md #4). Callers branch on the class, never on message text.
 * - CardRemovedError: the passenger pulled the card away mid-read. Normal: no verdict, no record.
 * - ReaderGoneError: the reader or the PC/SC service went away. An alarm for the driver's status line.
 * - CanceledError: an operation was cancelled by shutdown. Expected; log at debug.
 * - CardReadError: the card answered badly or not at all (error status word, timeout, malformed
 *   answer). The passenger taps again; nothing is decided or recorded.
 * - DeviceIoError: a serial device failed (write error, port closed under us).
 */
export class CardRemovedError extends Error {
  override readonly name = 'CardRemovedError';
  readonly reader: string;
  constructor(reader: string, message = 'card removed before the read finished', options?: ErrorOptions) {
    super(message, options);
    this.reader = reader;
  }
}

export class ReaderGoneError extends Error {
  override readonly name = 'ReaderGoneError';
  readonly reader: string;
  constructor(reader: string, message = 'reader is gone', options?: ErrorOptions) {
    super(message, options);
    this.reader = reader;
  }
}

export class CanceledError extends Error {
  override readonly name = 'CanceledError';
  readonly canceled = true;
  constructor(message = 'operation canceled', options?: ErrorOptions) {
    super(message, options);
  }
}

export class DeviceIoError extends Error {
  override readonly name = 'DeviceIoError';
  readonly device: string;
  readonly disconnected: boolean;
  constructor(device: string, message: string, disconnected: boolean, options?: ErrorOptions) {
    super(message, options);
    this.device = device;
    this.disconnected = disconnected;
  }
}

/**
 * - `status`: the card answered GET DATA with an error status word (e.g. 6A 81).
 * - `timeout`: the card (or reader) did not answer within the read timeout.
 * - `malformed`: the answer was not an 8-byte IDm with 90 00.
 */
export type CardReadFailure = 'status' | 'timeout' | 'malformed';

export class CardReadError extends Error {
  override readonly name = 'CardReadError';
  readonly reader: string;
  readonly failure: CardReadFailure;
  /** Status word as uppercase hex, for `status` failures. */
  readonly sw: string | null;
  constructor(reader: string, failure: CardReadFailure, message: string, sw: string | null = null) {
    super(message);
    this.reader = reader;
    this.failure = failure;
    this.sw = sw;
  }
}
