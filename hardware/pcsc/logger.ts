/** The logging the adapter needs; a pino Logger fits. IDms are never logged (DOMAIN.md). */
export interface PcscLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};
export const silentPcscLogger: PcscLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** Error fields worth logging, without stack noise. */
export function errFields(err: unknown): { err: string; name?: string } {
  if (!(err instanceof Error)) return { err: String(err) };
  // nfc-pcsc wraps the pcsclite error in `previous` (src/errors.js:20-22); that one says what failed.
  const previous = (err as { previous?: unknown }).previous;
  const message = previous instanceof Error ? `${err.message} (${previous.message})` : err.message;
  return { err: message, name: err.name };
}
