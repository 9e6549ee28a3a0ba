/**
 * The `teiki` command: subcommands in ./commands, each with its own --help. Errors meant for a
 * person print as one English line on stderr (`teiki: …`) with a distinct exit code.
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

export function buildProgram(): Command {
  const program = new Command('teiki')
    .description('ICOCA web commuter-pass validator for buses, and its depot tools')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRun(program);
  registerReplay(program);
  registerImports(program);
  registerCheck(program);
  registerStatus(program);
  registerRecords(program);
  registerDepot(program);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program)) cmd.exitOverride();
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
    // Help and version exit through here with code 0; usage errors were already printed.
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
