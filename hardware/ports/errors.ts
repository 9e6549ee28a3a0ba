/**
 * Errors by meaning (STYLE.md #4). Callers branch on the class, never on message text.
 * - CardRemovedError: the passenger pulled the card away mid-read. Normal: no verdict, no record.
 * - ReaderGoneError: the reader or the PC/SC service went away. An alarm for the driver's status line.
 * - CanceledError: an operation was cancelled by shutdown. Expected; log at debug.
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
