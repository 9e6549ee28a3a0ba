/**
 * The depot publisher's MQTT connection (`teiki depot publish --mqtt URL --ca --tls-cert --tls-key`):
 * MQTT 5 so a publish the ACL denies fails with "not authorized" instead of vanishing, a clean
 * session (the publisher receives nothing), no automatic reconnect (a one-shot command fails
 * and is run again). Connecting comes first: a broker that is down refuses the publish before the
 * depot's list moves.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { readTlsFiles, type TlsFiles } from '../bus/connect.js';
import { describeConnectError } from '../tls-hint.js';
import { DepotConnectError, hintNames, TLS_FLAGS } from './collector-mqtt.js';

export { DepotConnectError };

export interface DepotConnectOptions {
  readonly url: string;
  readonly tls: TlsFiles;
  readonly clientId?: string;
  readonly connectTimeoutMs?: number;
  /** How the person named each TLS file, for errors (default: the command-line flags). */
  readonly tlsNames?: Record<keyof TlsFiles, string>;
}

export function depotClientOptions(o: DepotConnectOptions): IClientOptions {
  return {
    protocolVersion: 5,
    clientId: o.clientId ?? `teiki-depot-publish-${process.pid}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    ...readTlsFiles(o.tls, o.tlsNames ?? TLS_FLAGS),
    rejectUnauthorized: true,
  };
}

/** Resolves once the broker accepted the connection; the client keeps an 'error' listener. */
export function connectDepot(o: DepotConnectOptions): Promise<MqttClient> {
  const options = depotClientOptions(o);
  let client: MqttClient;
  try {
    // mqtt.js throws here when the key is not the certificate's, or a file is not PEM.
    client = connect(o.url, options);
  } catch (err) {
    throw new DepotConnectError(
      `cannot connect to ${o.url}: ${describeConnectError(err, hintNames(o.tlsNames))}`,
      err,
    );
  }
  const errors: Error[] = [];
  // Always listened to: an 'error' with no listener would crash the process.
  client.on('error', (err) => errors.push(err));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      client.removeListener('connect', onConnect);
      client.removeListener('close', onClose);
      client.end(true);
      reject(new DepotConnectError(`cannot connect to ${o.url}: ${why}`, errors[0]));
    };
    const onClose = () =>
      fail(
        errors[0]
          ? describeConnectError(errors[0], hintNames(o.tlsNames))
          : 'connection closed before the broker accepted it',
      );
    const onConnect = () => {
      client.removeListener('close', onClose);
      resolve(client);
    };
    client.once('connect', onConnect);
    client.once('close', onClose);
  });
}
