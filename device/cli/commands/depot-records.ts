import { type Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { CollectStoreError, CollectUsageError, runCollect } from '../../../sync/depot/collector-command.js';
import type { ExportFormat } from '../../../sync/depot/collector-export.js';
import { EXPORT_FORMATS } from '../../../sync/depot/collector-export.js';
import { DepotConnectError, DepotSettingsError } from '../../../sync/depot/collector-mqtt.js';
import { runFleet } from '../../../sync/depot/fleet-command.js';
import { createLogger } from '../../log/logger.js';
import { CliError, EXIT } from '../errors.js';
import { jsonOption } from '../options.js';
import { addBrokerOptions, addRenamedOptions, DepotSettings, depotOptions } from './depot-options.js';

/** The collector's persistent session when neither --client-id nor mqtt.client_id names one. */
const COLLECTOR_CLIENT_ID = 'teiki-depot-collector';

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

interface CollectFlags {
  once?: boolean;
  idle: number;
  duration?: number;
  export?: string;
  format?: ExportFormat;
}
interface FleetFlags {
  json?: boolean;
  staleAfter: number;
}

/**
 * Library errors as the command line reports them: usage, a bad URL or TLS file is exit 2 (the
 * person's to fix; systemd does not restart on it); a broker that cannot be reached is exit 1; a
 * state directory that cannot be opened is exit 4.
 */
function asCliError(err: unknown): unknown {
  if (err instanceof CollectUsageError || err instanceof DepotSettingsError) {
    return new CliError(err.message, EXIT.badInput);
  }
  if (err instanceof DepotConnectError)
    return new CliError(err.message, err.settings ? EXIT.badInput : EXIT.failure);
  if (err instanceof CollectStoreError) return new CliError(err.message, EXIT.store);
  return err;
}

const RENAMED = {
  '--key': '--tls-key (the TLS client key; the list signing key is --signing-key)',
  '--cert': '--tls-cert',
};

/** `teiki depot collect`, `teiki depot fleet` (issue 4). */
export function registerDepotRecords(depot: Command): void {
  const collect = depot
    .command('collect')
    .description(
      'receive boarding-record batches from every bus, store them once each, acknowledge them, and export',
    )
    .addOption(depotOptions.config())
    .addOption(depotOptions.state(true));
  addBrokerOptions(collect, false)
    .addOption(
      depotOptions.clientId(
        ` (default: mqtt.client_id in the depot config, else ${COLLECTOR_CLIENT_ID}; a persistent session)`,
      ),
    )
    .option('--once', 'take the batches waiting, then exit once none came for --idle seconds')
    .option('--idle <s>', 'with --once: seconds without a batch that end the run', seconds, 2)
    .option('--duration <s>', 'collect for this many seconds, then exit', seconds)
    .option(
      '--export <file>',
      'write every stored record to FILE; alone (no --mqtt, --once or --duration) it only exports, ' +
        "even when the depot config names a broker (the collector service's session stays its own)",
    )
    .addOption(
      new Option('--format <format>', 'file format (default: from the file name)').choices(EXPORT_FORMATS),
    )
    .addHelpText(
      'after',
      '\nRuns until SIGTERM or SIGINT (exit 0) unless --once or --duration. Logs are JSON lines on stdout.\n' +
        'Examples:\n' +
        '  teiki depot collect --mqtt mqtts://broker:8883 --ca ca.crt --tls-cert depot.crt --tls-key depot.key --state /var/lib/teiki-depot\n' +
        '  teiki depot collect --config /etc/teiki-depot/depot.json      (mqtt and state_dir from the file)\n' +
        '  teiki depot collect --state /var/lib/teiki-depot --export records.csv\n',
    );
  addRenamedOptions(collect, RENAMED);
  collect.action(async (opts: CollectFlags, command: Command) => {
    const s = DepotSettings.of(command);
    const broker = s.broker();
    const exportOnly =
      opts.export !== undefined && !s.given('mqtt') && !opts.once && opts.duration === undefined;
    const state = s.required<string>('state', '--state', 'state_dir', s.config.state_dir);
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
      await runCollect(
        {
          ...opts,
          state,
          mqtt: exportOnly ? undefined : broker.url,
          ca: broker.tls.ca,
          cert: broker.tls.cert,
          key: broker.tls.key,
          tlsNames: broker.names,
          clientId: s.value<string>('clientId', s.config.mqtt?.client_id) ?? COLLECTOR_CLIENT_ID,
        },
        { logger, clock: { now: () => Date.now() }, signal: aborter.signal },
      );
    } catch (err) {
      throw asCliError(err);
    } finally {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      logger.flush();
    }
  });

  const fleet = depot
    .command('fleet')
    .description(
      'one row per bus from the retained statuses: list version and age, records pending, last seen, ' +
        'online, software version',
    )
    .addOption(depotOptions.config());
  addBrokerOptions(fleet, true)
    .addOption(jsonOption())
    .option('--stale-after <s>', 'an "online" status older than this is flagged stale', seconds, 300);
  addRenamedOptions(fleet, RENAMED);
  fleet.action(async (opts: FleetFlags, command: Command) => {
    const s = DepotSettings.of(command);
    const broker = s.broker();
    const url = s.required<string>('mqtt', '--mqtt', 'mqtt.url', s.config.mqtt?.url);
    // stdout carries the table or JSON; connection warnings go to stderr.
    const logger = createLogger('warn', pino.destination({ dest: 2, sync: true }));
    try {
      await runFleet(
        {
          ...opts,
          mqtt: url,
          ca: broker.tls.ca,
          cert: broker.tls.cert,
          key: broker.tls.key,
          tlsNames: broker.names,
          quietMs: 500,
        },
        { logger, now: () => Date.now(), write: (t) => process.stdout.write(t) },
      );
    } catch (err) {
      throw asCliError(err);
    } finally {
      logger.flush();
    }
  });
}
