/**
 * Exit codes (distinct per fatal cause, so systemd and scripts can tell them apart):
 * 0 ok · 1 unexpected failure · 2 bad usage, config or input file · 3 a configured device is
 * missing at start · 4 the local store cannot be opened.
 */
export const EXIT = { ok: 0, failure: 1, badInput: 2, deviceMissing: 3, store: 4 } as const;

/** An error whose message is meant for the person at the command line, with its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.badInput) {
    super(message);
    this.exitCode = exitCode;
  }
}
