/**
 * The bus's MQTT client, made from config: a fixed client id and a persistent MQTT 5 session (QoS 1
 * messages for the bus wait on the broker while it is away), TLS with the bus's client
 * certificate, the retained "offline" last will, and reconnection with a capped, growing delay.
 *
 * mqtt.js reconnects on a fixed `reconnectPeriod` (its timer is an interval set once per outage),
 * so the back-off here drives `client.reconnect()` itself, handing back the client's own stores:
 * QoS 1 packets in flight at the cut are resent on the new connection, as MQTT requires of a
 * `clean: false` session. Subscriptions are renewed by their owners on every 'connect' (the
 * broker may have lost the session), so nothing relies on mqtt.js's resubscribe.
 */
import { readFileSync } from 'node:fs';
import { type IClientOptions, type MqttClient, connect as mqttConnect } from 'mqtt';
import { ConfigError } from '../../device/config/load.js';
import type { Config } from '../../device/config/schema.js';
import type { Logger } from '../../device/log/logger.js';
import { BUS_MAX_PACKET_BYTES } from '../limits.js';
import { offlineWill } from '../messages.js';
import { BUS_TLS_SETTINGS, describeConnectError, type TlsSettingNames, tlsHint } from '../tls-hint.js';
import { guardPacketSize } from './packet-size-guard.js';

export type BusMqttConfig = Pick<Config, 'vehicle' | 'mqtt'>;

export interface TlsFiles {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** Reads the PEM files named in config or on a command line; the error names the option and the path. */
export function readTlsFiles(
  files: TlsFiles,
  names: Record<keyof TlsFiles, string> = { ca: 'mqtt.ca', cert: 'mqtt.cert', key: 'mqtt.key' },
): Pick<IClientOptions, 'ca' | 'cert' | 'key'> {
  const out: Pick<IClientOptions, 'ca' | 'cert' | 'key'> = {};
  for (const k of ['ca', 'cert', 'key'] as const) {
    const path = files[k];
    if (!path) continue;
    try {
      out[k] = readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new Error(`cannot read ${names[k]} file ${path} (${code})`);
    }
  }
  if (Boolean(out.cert) !== Boolean(out.key)) {
    throw new Error(`${names.cert} and ${names.key} go together: give both or neither`);
  }
  return out;
}

/** The bus's client options (pure but for reading the TLS files): what `connectBus` hands to mqtt.js. */
export function busClientOptions(config: BusMqttConfig): IClientOptions {
  const m = config.mqtt;
  return {
    protocolVersion: 5,
    clientId: m.client_id ?? `teiki-bus-${config.vehicle.id}`,
    clean: false,
    // The broker must not deliver what the bus would refuse (issue 12: a 250 MB retained message
    // was buffered whole); mosquitto drops, for this client, any message above it.
    properties: { sessionExpiryInterval: m.session_expiry_s, maximumPacketSize: BUS_MAX_PACKET_BYTES },
    keepalive: m.keepalive_s,
    // Reconnection is ours (keepReconnecting): a capped back-off instead of a fixed period.
    reconnectPeriod: 0,
    connectTimeout: 15_000,
    // A publish while offline must fail fast, not sit in memory: the database is the outbox.
    queueQoSZero: false,
    will: offlineWill(config.vehicle.id),
    ...readTlsFiles(m),
    rejectUnauthorized: true,
  };
}

export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  /** 0..1; the default spreads a fleet's reconnects after a broker restart. */
  readonly random?: () => number;
}

/** Delay before reconnect attempt `failures` (0-based): min·2ⁿ capped at max, minus up to 20% jitter. */
export function backoffDelay(failures: number, opts: BackoffOptions): number {
  const base = Math.min(opts.maxMs, opts.minMs * 2 ** Math.min(failures, 30));
  const jitter = (opts.random ?? Math.random)() * 0.2;
  return Math.max(1, Math.round(base * (1 - jitter)));
}

/**
 * Keeps a `reconnectPeriod: 0` client connected: after every close that is not our own `end()`,
 * waits the back-off delay and reconnects with the client's stores. Stops on 'end'.
 */
export function keepReconnecting(client: MqttClient, opts: BackoffOptions, logger: Logger): () => void {
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let down = false;
  const stop = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
  };
  client.on('connect', (packet) => {
    if (down) logger.info({ session_present: packet.sessionPresent, attempts: failures }, 'mqtt reconnected');
    failures = 0;
    down = false;
  });
  client.on('close', () => {
    if (stopped || client.disconnecting || timer) return;
    if (!down) logger.warn('mqtt connection lost; reconnecting');
    down = true;
    const delay = backoffDelay(failures++, opts);
    logger.debug({ delay_ms: delay, attempt: failures }, 'mqtt reconnect scheduled');
    timer = setTimeout(() => {
      timer = null;
      if (stopped || client.disconnecting || client.connected) return;
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
    // Not unref'd: during an outage this timer may be all that keeps a process such as
    // `teiki depot collect` alive, and it must come back when the broker does (issue 7).
    // client.end() clears it through the 'end' listener below.
  });
  client.on('end', stop);
  return stop;
}

/**
 * Logs client errors without crashing the process: an EventEmitter 'error' with no listener
 * throws. The first error of an outage is a warning, repeats (one per attempt) are debug. A TLS
 * error carries a `hint` naming the setting that fixes it (`names`: the bus config's by default).
 */
export function logClientErrors(
  client: MqttClient,
  logger: Logger,
  names: TlsSettingNames = BUS_TLS_SETTINGS,
): void {
  let quiet = false;
  client.on('connect', () => {
    quiet = false;
  });
  client.on('error', (err) => {
    const hint = tlsHint(err, names);
    const fields = { err: err.message, code: (err as { code?: unknown }).code, ...(hint ? { hint } : {}) };
    if (quiet) logger.debug(fields, 'mqtt error');
    else logger.warn(fields, 'mqtt error');
    quiet = true;
  });
}

export interface ConnectBusDeps {
  /** mqtt.js `connect` by default; tests may count calls. */
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
  readonly random?: () => number;
}

/**
 * Creates the bus's client and starts connecting (it does not wait: the bus works offline, and
 * uploader and status publisher act on 'connect'). `client.end()` stops reconnecting.
 */
export function connectBus(config: BusMqttConfig, logger: Logger, deps: ConnectBusDeps = {}): MqttClient {
  const url = config.mqtt.url;
  if (!url) throw new Error('mqtt.url is not set: the bus has no broker to sync with');
  const log = logger.child({ component: 'mqtt' });
  let options: IClientOptions;
  let client: MqttClient;
  try {
    options = busClientOptions(config);
    // mqtt.js throws here when the key is not the certificate's, or a file is not PEM.
    client = (deps.connect ?? mqttConnect)(url, options);
  } catch (err) {
    throw new ConfigError(describeConnectError(err, BUS_TLS_SETTINGS));
  }
  // And should a broker ignore maximumPacketSize, a packet's header is judged before its body is buffered.
  guardPacketSize(client, BUS_MAX_PACKET_BYTES, (err) =>
    log.warn({ bytes: err.bytes, max_bytes: err.maxBytes }, 'mqtt packet too large; connection closed'),
  );
  logClientErrors(client, log);
  keepReconnecting(
    client,
    { minMs: config.mqtt.reconnect_min_ms, maxMs: config.mqtt.reconnect_max_ms, random: deps.random },
    log,
  );
  client.once('connect', (packet) =>
    log.info({ url, client_id: options.clientId, session_present: packet.sessionPresent }, 'mqtt connected'),
  );
  return client;
}
