/**
 * The `teiki` command: subcommands in ./commands, each with its own --help. Errors meant for a
 * person print as one English line on stderr (`teiki: …`) with a distinct exit code, commander's
 * own (unknown option, missing argument) included.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { ImportError, ImportRefusedError } from '../imports/import-error.js';
import { ReplayError } from '../replay/scenario.js';
import { registerCheck } from './commands/check.js';
import { registerDepot } from './commands/depot.js';
import { registerImports } from './commands/imports.js';
import { registerRecords } from './commands/records.js';
import { registerReplay } from './commands/replay.js';
import { registerRun } from './commands/run.js';
import { registerStatus } from './commands/status.js';
import { CliError, EXIT } from './errors.js';
import { applyCliConventions } from './help.js';
import { readPackageVersion } from './version.js';

export interface ProgramOptions {
  /** The package version (`--version`, the bus status); read from package.json by default. */
  readonly version?: string;
}

export function buildProgram(opts: ProgramOptions = {}): Command {
  const version = opts.version ?? readPackageVersion();
  const program = new Command('teiki')
    .description('ICOCA web commuter-pass validator for buses, and its depot tools')
    .version(version, '-V, --version', 'print the teiki-validator version');
  registerRun(program, { version });
  registerReplay(program);
  registerImports(program);
  registerCheck(program);
  registerStatus(program, { version });
  registerRecords(program);
  registerDepot(program);
  applyCliConventions(program);
  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version exit through here with code 0; usage errors were already printed, as one
    // `teiki: …` line (help.ts).
    return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  }
  if (err instanceof CliError) {
    process.stderr.write(`teiki: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`teiki: bad config: ${err.message}\n`);
    return EXIT.badInput;
  }
  if (err instanceof ImportRefusedError || err instanceof ImportError || err instanceof ReplayError) {
    // Already "file:line: field: reason", one problem per line.
    process.stderr.write(
      `${err.message
        .split('\n')
        .map((l) => `teiki: ${l}`)
        .join('\n')}\n`,
    );
    return EXIT.badInput;
  }
  const e = err as Error;
  process.stderr.write(`teiki: unexpected error: ${e?.stack ?? String(err)}\n`);
  return EXIT.failure;
}
