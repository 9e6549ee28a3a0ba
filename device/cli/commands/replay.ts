import type { Command } from 'commander';
import { createLogger } from '../../log/logger.js';
import { replayScenario } from '../../replay/replay.js';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('run a scenario through the tap pipeline on its own clock; one JSON line per tap on stdout')
    .argument(
      '<scenario>',
      'scenario JSON file (DESIGN.md "Replay scenario"); paths inside are relative to it',
    )
    .option('--log-level <level>', 'pipeline log lines on stderr (e.g. info); silent by default', 'silent')
    .option('--sort', 'run the events in time order (stable), instead of refusing events out of order')
    .action(async (scenario: string, opts: { logLevel: string; sort?: boolean }) => {
      const logger =
        opts.logLevel === 'silent'
          ? undefined
          : createLogger(opts.logLevel as 'info', (await import('pino')).pino.destination(2));
      await replayScenario(scenario, (line) => process.stdout.write(`${line}\n`), {
        ...(logger ? { logger } : {}),
        sort: opts.sort === true,
      });
    });
}
