/**
 * The options the depot commands share, defined once (one name, one meaning: `--signing-key` is
 * the list signing key, `--tls-cert`/`--tls-key`/`--ca` the broker connection's TLS files), and
 * how a command's settings are found: a flag on the command line, else the depot config
 * (`--config FILE` or `$XDG_CONFIG_HOME/teiki/depot.json`, sync/depot/config/), else the built-in
 * default. Paths from the config resolve against the config file; paths from flags against the
 * working directory, as any shell user expects.
 */
import { type Command, Option } from 'commander';
import type { TlsFiles } from '../../../sync/bus/connect.js';
import { defaultDepotConfigPath, loadDepotConfig } from '../../../sync/depot/config/load.js';
import type { DepotConfig } from '../../../sync/depot/config/schema.js';
import { CliError } from '../errors.js';

/** " (required: here or state_dir in the depot config)" / " (default: state_dir in the depot config)". */
const fromConfig = (key: string, required: boolean) =>
  required ? ` (required: here or as ${key} in the depot config)` : ` (default: ${key} in the depot config)`;

export const depotOptions = {
  config: () =>
    new Option(
      '--config <file>',
      'depot config JSON; a flag given here wins over it ' +
        '(default: $XDG_CONFIG_HOME/teiki/depot.json, i.e. ~/.config/teiki/depot.json, if it exists)',
    ),
  state: (required: boolean) =>
    new Option(
      '--state <dir>',
      `depot state directory: the list last published, the publish log, collected records${fromConfig('state_dir', required)}`,
    ),
  mqtt: (required: boolean) =>
    new Option(
      '--mqtt <url>',
      `broker URL, e.g. mqtts://broker.example.jp:8883${fromConfig('mqtt.url', required)}`,
    ),
  ca: () =>
    new Option('--ca <file>', `CA certificate (PEM) that signed the broker${fromConfig('mqtt.ca', false)}`),
  tlsCert: () =>
    new Option(
      '--tls-cert <file>',
      `the depot's TLS client certificate (PEM, CN depot)${fromConfig('mqtt.cert', false)}`,
    ),
  tlsKey: () =>
    new Option(
      '--tls-key <file>',
      `the TLS client certificate's private key (PEM)${fromConfig('mqtt.key', false)}`,
    ),
  signingKey: (required: boolean) =>
    new Option(
      '--signing-key <file>',
      `the depot's Ed25519 list signing key (from "teiki depot keys generate"; mode 0600)${fromConfig('signing_key', required)}`,
    ),
  network: (required: boolean) =>
    new Option(
      '--network <dir>',
      `GTFS / GTFS-JP feed directory the list is made for${fromConfig('network', required)}`,
    ),
  /** `defaults` says where the id comes from when not given: it differs per command. */
  clientId: (defaults: string) => new Option('--client-id <id>', `MQTT client id${defaults}`),
};

/** Adds --mqtt, --ca, --tls-cert, --tls-key (the broker connection) to `cmd`. */
export function addBrokerOptions(cmd: Command, mqttRequired: boolean): Command {
  return cmd
    .addOption(depotOptions.mqtt(mqttRequired))
    .addOption(depotOptions.ca())
    .addOption(depotOptions.tlsCert())
    .addOption(depotOptions.tlsKey());
}

/**
 * Options of earlier releases, hidden from --help: naming one stops with the option to use
 * instead, so an old script or unit fails with a clear line rather than an "unknown option".
 */
export function addRenamedOptions(cmd: Command, renamed: Readonly<Record<string, string>>): Command {
  for (const [old, now] of Object.entries(renamed)) {
    cmd.addOption(
      new Option(`${old} <value>`).hideHelp().argParser(() => {
        throw new CliError(`${old} is now ${now}`);
      }),
    );
  }
  return cmd;
}

/** Where each connection setting came from, to name it in an error ("--ca", "mqtt.ca in FILE"). */
export interface BrokerSettings {
  readonly url: string | undefined;
  readonly tls: TlsFiles;
  readonly names: Record<keyof TlsFiles, string>;
}

/** A depot command's settings: its flags over the depot config over the built-in defaults. */
export class DepotSettings {
  readonly config: DepotConfig;
  /** The config file read, or null when there was none. */
  readonly file: string | null;
  readonly #cmd: Command;
  readonly #env: NodeJS.ProcessEnv;

  private constructor(cmd: Command, config: DepotConfig, file: string | null, env: NodeJS.ProcessEnv) {
    this.#cmd = cmd;
    this.config = config;
    this.file = file;
    this.#env = env;
  }

  /** Reads `--config FILE` or the default depot config of `cmd` (a bad file: exit 2). */
  static of(cmd: Command, env: NodeJS.ProcessEnv = process.env): DepotSettings {
    const file = cmd.getOptionValue('config') as string | undefined;
    const loaded = loadDepotConfig({ file, env });
    return new DepotSettings(cmd, loaded.config, loaded.file, env);
  }

  /** True when the option `attr` (camelCase, e.g. "tlsKey") was given on the command line. */
  given(attr: string): boolean {
    const source = this.#cmd.getOptionValueSource(attr);
    return source === 'cli' || source === 'env' || source === 'implied';
  }

  /** The flag if given, else the config's value, else the flag's built-in default. */
  value<T>(attr: string, fromConfig: T | undefined): T | undefined {
    const flag = this.#cmd.getOptionValue(attr) as T | undefined;
    if (this.given(attr)) return flag;
    return fromConfig ?? flag;
  }

  /** As `value`, but missing is exit 2 naming the flag and the config key. */
  required<T>(attr: string, flag: string, key: string, fromConfig: T | undefined): T {
    const v = this.value(attr, fromConfig);
    if (v === undefined || v === null || v === '') {
      const where = this.file
        ? `${key} in ${this.file}`
        : `${key} in a depot config: --config FILE, or ${defaultDepotConfigPath(this.#env)}`;
      throw new CliError(`${flag} is required (or ${where})`);
    }
    return v;
  }

  /** The broker URL and TLS files, each named as the person gave it. */
  broker(): BrokerSettings {
    const m = this.config.mqtt ?? {};
    const name = (attr: string, flag: string, key: string) =>
      this.given(attr) || this.file === null ? flag : `${key} in ${this.file}`;
    return {
      url: this.value<string>('mqtt', m.url),
      tls: {
        ca: this.value<string>('ca', m.ca),
        cert: this.value<string>('tlsCert', m.cert),
        key: this.value<string>('tlsKey', m.key),
      },
      names: {
        ca: name('ca', '--ca', 'mqtt.ca'),
        cert: name('tlsCert', '--tls-cert', 'mqtt.cert'),
        key: name('tlsKey', '--tls-key', 'mqtt.key'),
      },
    };
  }
}
