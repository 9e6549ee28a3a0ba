/**
 * A real mosquitto for tests (MQTT.js's own suite runs against a real broker too): Debian's
 * binary, started with its own config in a temp dir, on a free loopback port, persistence on,
 * optionally TLS with certificates made now by `openssl` and the sync ACL (sync/broker-acl.ts).
 * It never relies on a broker left running, and never touches one it did not start; call
 * `dispose()` in afterAll, and a process-exit hook SIGKILLs whatever a crashed test left behind.
 *
 * Ports: a free one is picked, then mosquitto binds it; another process can take it in between.
 * mosquitto then says "Address already in use" and exits (it logs "Opening … listen socket on
 * port N" *before* binding, so only "running" means the port is its own). A fresh start picks
 * another port (three tries); a restart on the same port, or a fixed `port`, fails at once with
 * a PortTakenError naming the port and the process that holds it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { mosquittoAcl, syncIdentities } from '../../sync/broker-acl.js';
import { describeHolders, tcpPortHolders } from './resource-holders.js';

const run = promisify(execFile);
const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const LOG_LIMIT = 64 * 1024;

/** Paths of one client identity: the CA that signed the server, and the client's cert and key. */
export interface TlsIdentity {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface MosquittoCerts {
  readonly ca: string;
  readonly server: { readonly cert: string; readonly key: string };
  /** CN = depot. */
  readonly depot: TlsIdentity;
  /** CN = the vehicle id. */
  bus(vehicle: string): TlsIdentity;
  /** CN = bus-101, but issued by a CA the broker does not know. */
  readonly unknown: TlsIdentity;
}

export interface MosquittoOptions {
  /** TLS with require_certificate, use_identity_as_username and the sync ACL. Default false. */
  readonly tls?: boolean;
  /** Vehicles that get a bus certificate (TLS only). Default bus-101 and bus-102. */
  readonly vehicles?: readonly string[];
  /** ACL file text; default the sync ACL under TLS, none without. */
  readonly acl?: string;
  readonly extraConfig?: readonly string[];
  /** Listen on this port instead of a free one; fails with PortTakenError if it is taken. */
  readonly port?: number;
  /** Seam for tests: how a free port is picked (default: bind port 0 on loopback, then close). */
  readonly pickPort?: () => Promise<number>;
}

/** The broker's port was taken by another process (named in the message); never a hang. */
export class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
  readonly port: number;
  constructor(port: number, when: string) {
    super(
      `mosquitto could not listen on 127.0.0.1:${port} ${when}: it is taken by ${describeHolders(tcpPortHolders(port))}`,
    );
    this.port = port;
  }
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Present when started with `tls: true`. */
  readonly certs: MosquittoCerts | undefined;
  /** MQTT.js TLS options for an identity. */
  tlsOptions(identity: TlsIdentity): { ca: Buffer; cert: Buffer; key: Buffer; rejectUnauthorized: true };
  /** SIGTERM: mosquitto saves its persistence database and exits. */
  stop(): Promise<void>;
  /** SIGKILL: no goodbye; persistence is what the last autosave (every second) wrote. */
  kill(): Promise<void>;
  /** Stops (gracefully unless `kill`) and starts again on the same port with the same persistence. */
  restart(options?: { kill?: boolean }): Promise<void>;
  /** Resolves once mosquitto has saved its database after `since` (epoch ms; default now). */
  saved(since?: number): Promise<void>;
  /** Kills the broker and removes its directory. Idempotent. */
  dispose(): Promise<void>;
  logs(): string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Runs openssl in `dir` with space-separated arguments (file names are ours, without spaces). */
async function openssl(dir: string, args: string): Promise<void> {
  await run('openssl', args.split(' '), { cwd: dir });
}

type Pair = { cert: string; key: string };
const EC_KEY = 'genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out';

async function makeCa(dir: string, name: string): Promise<Pair> {
  await openssl(dir, `${EC_KEY} ${name}.key`);
  await openssl(
    dir,
    `req -x509 -new -key ${name}.key -sha256 -days 2 -subj /CN=${name} -out ${name}.crt ` +
      '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign',
  );
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

async function makeLeaf(dir: string, name: string, cn: string, ca: Pair, server: boolean): Promise<Pair> {
  writeFileSync(
    join(dir, `${name}.ext`),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      server ? 'extendedKeyUsage=serverAuth' : 'extendedKeyUsage=clientAuth',
      ...(server ? ['subjectAltName=IP:127.0.0.1,DNS:localhost'] : []),
      '',
    ].join('\n'),
  );
  await openssl(dir, `${EC_KEY} ${name}.key`);
  await openssl(dir, `req -new -key ${name}.key -subj /CN=${cn} -out ${name}.csr`);
  await openssl(
    dir,
    `x509 -req -in ${name}.csr -CA ${basename(ca.cert)} -CAkey ${basename(ca.key)} -set_serial 0x${randomBytes(8).toString('hex')} ` +
      `-days 2 -sha256 -extfile ${name}.ext -out ${name}.crt`,
  );
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

async function makeCerts(dir: string, vehicles: readonly string[]): Promise<MosquittoCerts> {
  const [ca, rogueCa] = await Promise.all([makeCa(dir, 'ca'), makeCa(dir, 'rogue-ca')]);
  const client = (name: string, cn: string, issuer = ca) => makeLeaf(dir, name, cn, issuer, false);
  const [server, depot, unknown, ...buses] = await Promise.all([
    makeLeaf(dir, 'server', 'localhost', ca, true),
    client('depot', 'depot'),
    client('unknown', 'bus-101', rogueCa),
    ...vehicles.map((v) => client(`bus-${v}`, v)),
  ]);
  const byVehicle = new Map(vehicles.map((v, i) => [v, buses[i]!]));
  return {
    ca: ca.cert,
    server: server!,
    depot: { ca: ca.cert, ...depot! },
    unknown: { ca: ca.cert, ...unknown! },
    bus(vehicle) {
      const pair = byVehicle.get(vehicle);
      if (!pair) throw new Error(`no certificate for ${vehicle}; pass it in options.vehicles`);
      return { ca: ca.cert, ...pair };
    },
  };
}

function configText(
  dir: string,
  port: number,
  certs: MosquittoCerts | undefined,
  acl: string | undefined,
  extra: readonly string[],
): string {
  const lines = [
    `listener ${port} 127.0.0.1`,
    'persistence true',
    `persistence_location ${dir}/`,
    // Save every second so a SIGKILLed broker loses at most a second of retained messages.
    'autosave_interval 1',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    // As root mosquitto would switch to the `mosquitto` user, which cannot read our 0600 files.
    ...(process.getuid?.() === 0 ? [`user ${userInfo().username}`] : []),
  ];
  if (certs) {
    lines.push(
      `cafile ${certs.ca}`,
      `certfile ${certs.server.cert}`,
      `keyfile ${certs.server.key}`,
      'require_certificate true',
      'use_identity_as_username true',
      'allow_anonymous false',
    );
  } else {
    lines.push('allow_anonymous true');
  }
  if (acl !== undefined) {
    const aclPath = join(dir, 'acl');
    writeFileSync(aclPath, acl);
    lines.push(`acl_file ${aclPath}`);
  }
  return [...lines, ...extra, ''].join('\n');
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-mosquitto-'));
  let log = '';
  let child: ChildProcess | undefined;
  try {
    const vehicles = options.vehicles ?? ['bus-101', 'bus-102'];
    const certs = options.tls ? await makeCerts(dir, vehicles) : undefined;
    const acl = options.acl ?? (options.tls ? mosquittoAcl(syncIdentities(vehicles)) : undefined);
    const confPath = join(dir, 'mosquitto.conf');

    const launch = async (port: number, when: string): Promise<ChildProcess> => {
      writeFileSync(confPath, configText(dir, port, certs, acl, options.extraConfig ?? []));
      const proc = spawn(MOSQUITTO, ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      live.add(proc);
      proc.once('exit', () => live.delete(proc));
      let own = ''; // this launch's output (the shared log also holds earlier runs')
      const append = (b: Buffer) => {
        own += b.toString('utf8');
        log = (log + b.toString('utf8')).slice(-LOG_LIMIT);
      };
      proc.stdout?.on('data', append);
      proc.stderr?.on('data', append);
      proc.once('error', (err) => append(Buffer.from(`spawn error: ${err.message}\n`)));
      const deadline = Date.now() + 10_000;
      // Ready once this process says "running" (logged after every listener is bound) and the
      // port answers; "Opening … listen socket" alone comes before the bind.
      while (Date.now() < deadline) {
        if (own.includes('Address already in use')) break;
        if (proc.exitCode !== null || proc.signalCode !== null) break;
        if (/ running\b/.test(own) && (await portAnswers(port))) return proc;
        await new Promise((r) => setTimeout(r, 20));
      }
      proc.kill('SIGKILL');
      await exited(proc);
      if (own.includes('Address already in use')) throw new PortTakenError(port, when);
      throw new Error(`mosquitto did not start on port ${port}:\n${log}`);
    };

    let port = options.port ?? 0;
    if (options.port !== undefined) child = await launch(port, 'as asked');
    else {
      for (let attempt = 1; ; attempt++) {
        port = await (options.pickPort ?? freePort)();
        try {
          child = await launch(port, 'after it was found free');
          break;
        } catch (err) {
          // Someone took the port between freePort() and mosquitto's bind: pick another.
          if (!(err instanceof PortTakenError) || attempt >= 3) throw err;
        }
      }
    }

    const stopWith = async (signal: NodeJS.Signals) => {
      const proc = child;
      if (!proc) return;
      child = undefined;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited(proc);
      clearTimeout(timer);
    };
    let disposed = false;

    return {
      port,
      url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
      dir,
      certs,
      tlsOptions: (id) => ({
        ca: readFileSync(id.ca),
        cert: readFileSync(id.cert),
        key: readFileSync(id.key),
        rejectUnauthorized: true,
      }),
      stop: () => stopWith('SIGTERM'),
      kill: () => stopWith('SIGKILL'),
      async restart(opts = {}) {
        await stopWith(opts.kill ? 'SIGKILL' : 'SIGTERM');
        log += '--- restart ---\n';
        child = await launch(port, 'on restart');
      },
      async saved(since = Date.now()) {
        const db = join(dir, 'mosquitto.db');
        const deadline = Date.now() + 10_000;
        // Strictly after `since`: a save in the same millisecond might predate the change.
        while ((statSync(db, { throwIfNoEntry: false })?.mtimeMs ?? 0) <= since) {
          if (Date.now() > deadline) throw new Error('mosquitto did not save its database within 10 s');
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      async dispose() {
        if (disposed) return;
        disposed = true;
        await stopWith('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      },
      logs: () => log,
    };
  } catch (err) {
    if (child) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Connects an MQTT.js client (MQTT 5, no automatic reconnect) and resolves once the broker has
 * accepted it; rejects on a refused or failed connection. The client keeps an 'error' listener
 * that records errors in `errors`, so a late error never crashes the test process.
 */
export function connectMqtt(
  url: string,
  options: IClientOptions = {},
): Promise<MqttClient & { errors: Error[] }> {
  const client = connect(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  const errors: Error[] = [];
  client.on('error', (err) => errors.push(err));
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      client.removeListener('connect', onConnect);
      client.removeListener('close', onClose);
      client.end(true);
      reject(err);
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(errors[0] ?? new Error('connection closed before CONNACK'));
    const onConnect = () => {
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      resolve(Object.assign(client, { errors }));
    };
    client.once('connect', onConnect);
    client.once('error', onError);
    client.once('close', onClose);
  });
}
