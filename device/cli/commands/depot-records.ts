import { type Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { CollectUsageError, runCollect } from '../../../sync/depot/collector-command.js';
import type { ExportFormat } from '../../../sync/depot/collector-export.js';
import { EXPORT_FORMATS } from '../../../sync/depot/collector-export.js';
import { DepotConnectError } from '../../../sync/depot/collector-mqtt.js';
import { runFleet } from '../../../sync/depot/fleet-command.js';
import { createLogger } from '../../log/logger.js';
import { CliError, EXIT } from '../errors.js';

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

const tlsOptions = (cmd: Command) =>
  cmd
    .option('--ca <file>', 'CA certificate (PEM) that signed the broker')
    .option('--cert <file>', "the depot's client certificate (PEM, CN depot)")
    .option('--key <file>', "the depot's client key (PEM)");

interface TlsCliOptions {
  ca?: string;
  cert?: string;
  key?: string;
}
interface CollectCliOptions extends TlsCliOptions {
  state: string;
  mqtt?: string;
  clientId: string;
  once?: boolean;
  idle: number;
  duration?: number;
  export?: string;
  format?: ExportFormat;
}
interface FleetCliOptions extends TlsCliOptions {
  mqtt: string;
  json?: boolean;
  staleAfter: number;
}

/** Library errors that are the operator's to fix become one line and exit 2. */
function asCliError(err: unknown): unknown {
  if (err instanceof CollectUsageError || err instanceof DepotConnectError) {
    return new CliError(err.message, EXIT.badInput);
  }
  return err;
}

/** `teiki depot collect`, `teiki depot fleet` (issue 4). */
export function registerDepotRecords(depot: Command): void {
  tlsOptions(
    depot
      .command('collect')
      .description(
        'receive boarding-record batches from every bus, store them once each, acknowledge them, and export',
      )
      .requiredOption('--state <dir>', 'depot state directory (holds collected-records.sqlite)')
      .option('--mqtt <url>', 'broker URL, e.g. mqtts://broker:8883 (without it, only --export runs)'),
  )
    .option('--client-id <id>', 'MQTT client id of the persistent session', 'teiki-depot-collector')
    .option('--once', 'take the batches waiting, then exit once none came for --idle seconds')
    .option('--idle <s>', 'with --once: seconds without a batch that end the run', seconds, 2)
    .option('--duration <s>', 'collect for this many seconds, then exit', seconds)
    .option('--export <file>', 'write every stored record to FILE (after collecting, if --mqtt)')
    .addOption(
      new Option('--format <format>', 'export format (default: from the file name)').choices(EXPORT_FORMATS),
    )
    .addHelpText(
      'after',
      '\nRuns until SIGTERM or SIGINT (exit 0) unless --once or --duration. Logs are JSON lines on stdout.\n' +
        'Examples:\n' +
        '  teiki depot collect --mqtt mqtts://broker:8883 --ca ca.crt --cert depot.crt --key depot.key --state /var/lib/teiki-depot\n' +
        '  teiki depot collect --state /var/lib/teiki-depot --export records.csv\n',
    )
    .action(async (opts: CollectCliOptions) => {
      const logger = createLogger('info');
      const aborter = new AbortController();
      const onSignal = (signal: string) => {
        logger.info({ signal }, 'stopping');
        aborter.abort();
      };
      const onTerm = () => onSignal('SIGTERM');
      const onInt = () => onSignal('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
      try {
        await runCollect(opts, { logger, clock: { now: () => Date.now() }, signal: aborter.signal });
      } catch (err) {
        throw asCliError(err);
      } finally {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        logger.flush();
      }
    });

  tlsOptions(
    depot
      .command('fleet')
      .description(
        'one row per bus from the retained statuses: list version and age, records pending, last seen, online',
      )
      .requiredOption('--mqtt <url>', 'broker URL, e.g. mqtts://broker:8883'),
  )
    .option('--json', 'print a JSON array (one object per bus)')
    .option('--stale-after <s>', 'an "online" status older than this is flagged stale', seconds, 300)
    .action(async (opts: FleetCliOptions) => {
      // stdout carries the table or JSON; connection warnings go to stderr.
      const logger = createLogger('warn', pino.destination({ dest: 2, sync: true }));
      try {
        await runFleet(
          { ...opts, quietMs: 500 },
          { logger, now: () => Date.now(), write: (t) => process.stdout.write(t) },
        );
      } catch (err) {
        throw asCliError(err);
      } finally {
        logger.flush();
      }
    });
}
