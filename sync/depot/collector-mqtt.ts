/**
 * The depot tools' MQTT connection (collect, fleet), from command-line options or the depot config: TLS with the
 * depot's client certificate (CN `depot`, see sync/broker-acl.ts), MQTT 5. The first connection
 * must succeed, so a wrong URL or certificate is an error at once, in plain words; after that a
 * long-running tool reconnects with the bus's capped back-off.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../device/log/logger.js';
import { keepReconnecting, logClientErrors, readTlsFiles, type TlsFiles } from '../bus/connect.js';
import { describeConnectError, isSettingsProblem, type TlsSettingNames } from '../tls-hint.js';

export interface DepotMqttOptions extends TlsFiles {
  readonly url: string;
  readonly clientId: string;
  /** false: a persistent session, so messages published while the tool is down wait for it. */
  readonly clean: boolean;
  readonly sessionExpiryS?: number;
  readonly connectTimeoutMs?: number;
  /** How the person named each TLS file, for errors (default: the command-line flags). */
  readonly tlsNames?: Record<keyof TlsFiles, string>;
}

/** The depot commands' TLS flags (`--ca`, `--tls-cert`, `--tls-key`; issue 11). */
export const TLS_FLAGS: Record<keyof TlsFiles, string> = { ca: '--ca', cert: '--tls-cert', key: '--tls-key' };

/** The settings a depot tool's TLS errors and hints name: its flags, or the config keys used. */
export function hintNames(names: Record<keyof TlsFiles, string> | undefined): TlsSettingNames {
  return { url: '--mqtt', ...(names ?? TLS_FLAGS) };
}

/** The broker could not be reached or refused us: worth one line, and a retry (exit 1). */
export class DepotConnectError extends Error {
  override readonly name = 'DepotConnectError';
  /** A setting is wrong (a TLS file, the CA, the scheme): exit 2, where a broker away is exit 1. */
  readonly settings: boolean;
  constructor(message: string, cause?: unknown) {
    super(message);
    this.settings = cause !== undefined && isSettingsProblem(cause);
  }
}

/** A broker URL or TLS file that cannot be used: the person's to fix (exit 2). */
export class DepotSettingsError extends Error {
  override readonly name = 'DepotSettingsError';
}

const PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:']);

export function depotClientOptions(opts: DepotMqttOptions): IClientOptions {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new DepotSettingsError(`--mqtt ${opts.url} is not a URL (expected mqtts://host:8883)`);
  }
  if (!PROTOCOLS.has(url.protocol)) {
    throw new DepotSettingsError(
      `--mqtt ${opts.url}: unsupported scheme ${url.protocol} (use mqtts:// or mqtt://)`,
    );
  }
  let tls: IClientOptions;
  try {
    tls = readTlsFiles(opts, opts.tlsNames ?? TLS_FLAGS);
  } catch (err) {
    throw new DepotSettingsError((err as Error).message);
  }
  return {
    protocolVersion: 5,
    clientId: opts.clientId,
    clean: opts.clean,
    ...(opts.clean ? {} : { properties: { sessionExpiryInterval: opts.sessionExpiryS ?? 7 * 24 * 3600 } }),
    reconnectPeriod: 0,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    queueQoSZero: false,
    ...tls,
    rejectUnauthorized: true,
  };
}

/**
 * Connects and resolves once the broker accepted us; rejects with a `DepotConnectError` naming
 * the URL and the cause (a `DepotSettingsError`, thrown at once, for a bad URL or TLS file). With `reconnect`, later cuts are retried (1 s doubling to 30 s).
 */
export function connectDepot(
  opts: DepotMqttOptions,
  logger: Logger,
  reconnect: boolean,
): Promise<MqttClient> {
  const options = depotClientOptions(opts);
  let client: MqttClient;
  try {
    // mqtt.js throws here when the key is not the certificate's, or a file is not PEM.
    client = connect(opts.url, options);
  } catch (err) {
    throw new DepotConnectError(
      `cannot connect to ${opts.url}: ${describeConnectError(err, hintNames(opts.tlsNames))}`,
      err,
    );
  }
  return new Promise((resolve, reject) => {
    let lastError: Error | null = null;
    const onError = (err: Error) => {
      lastError = err;
    };
    const onClose = () => {
      cleanup();
      client.on('error', () => undefined); // nothing more to report on a client being dropped
      client.end(true);
      const why = lastError
        ? describeConnectError(lastError, hintNames(opts.tlsNames))
        : 'connection closed before the broker answered';
      reject(new DepotConnectError(`cannot connect to ${opts.url}: ${why}`, lastError ?? undefined));
    };
    const onConnect = () => {
      cleanup();
      const log = logger.child({ component: 'mqtt' });
      logClientErrors(client, log, hintNames(opts.tlsNames));
      if (reconnect) keepReconnecting(client, { minMs: 1000, maxMs: 30_000 }, log);
      resolve(client);
    };
    const cleanup = () => {
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      client.removeListener('connect', onConnect);
    };
    client.on('error', onError);
    client.once('close', onClose);
    client.once('connect', onConnect);
  });
}

/** Ends the connection, waiting at most `timeoutMs` for the broker's goodbye. */
export async function endQuietly(client: MqttClient, timeoutMs = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.endAsync().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        client.end(true);
        resolve();
      }, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
