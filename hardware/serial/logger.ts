/**
 * The slice of a pino logger the serial adapters use. Structural, so the daemon passes its pino
 * child and hardware/ does not depend on device/ (DESIGN.md layout).
 */
export interface SerialLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const ignore = (): void => {};
export const silentSerialLogger: SerialLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
