import { type Command, InvalidArgumentError } from 'commander';
import { OpensslError, OpensslMissingError, opensslRunner } from '../../../sync/tls/openssl.js';
import { addBuses, initTls, TlsSetupError, type TlsSummary } from '../../../sync/tls/tls-setup.js';
import { CliError, EXIT } from '../errors.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a whole number of days, 1 or more');
  return n;
}

/** Library errors become one line: the operator's to fix (2), openssl missing (3), openssl failing (1). */
async function report(work: () => Promise<TlsSummary>, out: string): Promise<void> {
  let summary: TlsSummary;
  try {
    summary = await work();
  } catch (err) {
    if (err instanceof TlsSetupError) throw new CliError(err.message, EXIT.badInput);
    if (err instanceof OpensslMissingError) throw new CliError(err.message, EXIT.deviceMissing);
    if (err instanceof OpensslError) throw new CliError(err.message, EXIT.failure);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'ENOTDIR' || e.code === 'EROFS' || e.code === 'EEXIST') {
      throw new CliError(`cannot write in ${out}: ${e.code} (${e.path ?? out})`, EXIT.badInput);
    }
    throw err;
  }
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

const FILES_HELP = `
Files in --out DIR (keys mode 0600; keep DIR on the depot, root only):
  teiki-ca.crt, teiki-ca.key   the CA (made once, reused on every later run, never replaced)
  broker.crt, broker.key       the broker's certificate (localhost, 127.0.0.1 and every --broker-host)
  depot.crt, depot.key         the depot tools' client certificate (CN depot)
  buses/<vehicle>.crt, .key    one client certificate per bus (CN = the vehicle id)
  acl, mosquitto.conf          the broker's ACL and configuration, made again on every run
  teiki-tls.json               the options of the last run (add-bus reuses them)
Existing certificates are kept (checked against the CA); only missing ones are issued.
The JSON printed on stdout lists every file and, per bus, the "mqtt" block for its config.json.
`;

/** `teiki depot tls init`, `teiki depot tls add-bus` (issue 11; systemd/DEPOT-GUIDE.md). */
export function registerDepotTls(depot: Command): void {
  const tls = depot
    .command('tls')
    .description('the broker TLS set-up: CA, broker, depot and bus certificates, mosquitto.conf and ACL');

  tls
    .command('init')
    .description(
      'make (or complete) a TLS directory (created mode 0700 if missing): the CA, the broker, depot and bus certificates, and the ' +
        'mosquitto.conf and ACL that go with them; prints a JSON summary',
    )
    .requiredOption('--out <dir>', 'directory the files are written to')
    .option(
      '--broker-host <name>',
      'a DNS name or IP address the buses and the depot use for the broker (repeat for several; ' +
        "the first goes into the buses' mqtt.url)",
      collect,
    )
    .option('--bus <vehicle>', 'issue a certificate for this vehicle id (repeat for several)', collect)
    .option('--listen <[address:]port>', "mosquitto's TLS listener (default 8883, all interfaces)")
    .option(
      '--broker-dir <dir>',
      'where the broker will read teiki-ca.crt, broker.crt, broker.key and acl (default: --out)',
    )
    .option('--persistence-dir <dir>', "mosquitto's persistence_location (default /var/lib/mosquitto/)")
    .option('--days <n>', 'validity of the certificates issued now (default 825)', positiveInt)
    .addHelpText(
      'after',
      `${FILES_HELP}
Example:
  teiki depot tls init --out /root/teiki-tls --broker-host broker.example.jp --bus bus-101 --bus bus-102 \\
    --broker-dir /etc/mosquitto/teiki
`,
    )
    .action(
      async (opts: {
        out: string;
        brokerHost?: string[];
        bus?: string[];
        listen?: string;
        brokerDir?: string;
        persistenceDir?: string;
        days?: number;
      }) => {
        await report(
          () =>
            initTls(
              {
                out: opts.out,
                brokerHosts: opts.brokerHost ?? [],
                buses: opts.bus ?? [],
                ...(opts.listen === undefined ? {} : { listen: opts.listen }),
                ...(opts.brokerDir === undefined ? {} : { brokerDir: opts.brokerDir }),
                ...(opts.persistenceDir === undefined ? {} : { persistenceDir: opts.persistenceDir }),
                ...(opts.days === undefined ? {} : { days: opts.days }),
              },
              opensslRunner(),
            ),
          opts.out,
        );
      },
    );

  tls
    .command('add-bus')
    .description(
      'issue certificates for more buses in a TLS directory made by "init", and write the ACL again ' +
        '(install it on the broker and reload mosquitto: the broker grants a bus nothing until then)',
    )
    .argument('<vehicle...>', 'vehicle ids (each becomes a certificate CN)')
    .requiredOption('--out <dir>', 'directory the files are written to')
    .addHelpText(
      'after',
      '\nExample:\n  teiki depot tls add-bus bus-103 --out /root/teiki-tls\n' +
        '  install -m 0644 /root/teiki-tls/acl /etc/mosquitto/teiki/acl && systemctl reload mosquitto\n',
    )
    .action(async (vehicles: string[], opts: { out: string }) => {
      await report(() => addBuses(opts.out, vehicles, opensslRunner()), opts.out);
    });
}
