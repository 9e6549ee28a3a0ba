/**
 * `teiki depot tls init` and `add-bus`: the CA, the broker's certificate, the depot's (CN `depot`),
 * one per bus (CN = vehicle id), and the mosquitto.conf and ACL that match them.
 *
 * Idempotent: an existing CA is reused, never replaced (replacing it would cut off every bus);
 * an existing certificate is kept after checking that this CA issued it and its key matches; the
 * derived files (acl, mosquitto.conf, teiki-tls.json) are written again from what is on disk.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import {
  checkIdentities,
  DEPOT_IDENTITY,
  mosquittoAcl,
  RESERVED_IDENTITIES,
  syncIdentities,
} from '../broker-acl.js';
import { isValidVehicleId } from '../topics.js';
import { mosquittoConf, parseListen } from './broker-config.js';
import {
  altNames,
  CertificateError,
  canonicalName,
  checkIssuedPair,
  commonName,
  readCertificate,
} from './certificate.js';
import { issueLeaf, type LeafKind, makeCa, type PairPaths } from './issue.js';
import type { OpensslRunner } from './openssl.js';
import {
  listBuses,
  readSettings,
  type TlsLayout,
  type TlsSettings,
  tlsLayout,
  writeDerived,
} from './tls-dir.js';

/** Something the operator fixes: a bad option or a directory in a state we will not guess about. */
export class TlsSetupError extends Error {
  override readonly name = 'TlsSetupError';
}

/** Where a bus keeps its TLS files (systemd/README.md installs them there). */
export const BUS_TLS_DIR = '/etc/teiki/tls';
/** Names every broker certificate covers, so the depot tools and tests can reach it locally. */
const LOCAL_NAMES = ['localhost', '127.0.0.1'];
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export type Action = 'created' | 'reused' | 'kept';

export interface PairSummary {
  readonly cert: string;
  readonly key: string;
  readonly action: Action;
}

/** The `mqtt` block of a bus's config.json. */
export interface BusMqttBlock {
  readonly url: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface TlsSummary {
  readonly dir: string;
  readonly ca: PairSummary;
  readonly broker: PairSummary & { readonly names: string[] };
  readonly depot: PairSummary & { readonly cn: string };
  readonly buses: Array<PairSummary & { readonly vehicle: string; readonly mqtt: BusMqttBlock }>;
  readonly mosquitto_conf: string;
  readonly acl: string;
  readonly settings: string;
}

export interface TlsInitOptions {
  readonly out: string;
  readonly brokerHosts?: readonly string[];
  readonly buses?: readonly string[];
  readonly listen?: string;
  readonly brokerDir?: string;
  readonly persistenceDir?: string;
  readonly days?: number;
}

export async function initTls(o: TlsInitOptions, run: OpensslRunner): Promise<TlsSummary> {
  const layout = tlsLayout(resolve(o.out));
  const previous = existsSync(layout.settings) ? loadSettings(layout) : null;
  const settings: TlsSettings = {
    broker_hosts: o.brokerHosts?.length ? [...new Set(o.brokerHosts)] : (previous?.broker_hosts ?? []),
    listen: o.listen ?? previous?.listen ?? '8883',
    broker_dir: resolve(o.brokerDir ?? previous?.broker_dir ?? layout.dir),
    persistence_dir: o.persistenceDir ?? previous?.persistence_dir ?? '/var/lib/mosquitto/',
    days: o.days ?? previous?.days ?? 825,
  };
  checkSettings(settings);
  const buses = checkVehicles(o.buses ?? []);
  mkdirSync(layout.busDir, { recursive: true, mode: 0o700 });

  const caAction = await ensureCa(layout, run);
  return finish(layout, settings, buses, caAction, run);
}

/** Issues certificates for more buses in an existing directory and regenerates the ACL. */
export async function addBuses(
  out: string,
  vehicles: readonly string[],
  run: OpensslRunner,
): Promise<TlsSummary> {
  const layout = tlsLayout(resolve(out));
  if (!existsSync(layout.settings) || !existsSync(layout.ca.cert)) {
    throw new TlsSetupError(`${layout.dir} has no teiki CA: run "teiki depot tls init --out ${out}" first`);
  }
  const buses = checkVehicles(vehicles);
  if (buses.length === 0) throw new TlsSetupError('give at least one vehicle id');
  const caAction = await ensureCa(layout, run);
  return finish(layout, loadSettings(layout), buses, caAction, run);
}

function loadSettings(layout: TlsLayout): TlsSettings {
  let settings: TlsSettings | null;
  try {
    settings = readSettings(layout);
  } catch (err) {
    throw new TlsSetupError((err as Error).message);
  }
  if (!settings) throw new TlsSetupError(`${layout.settings} is missing`);
  return settings;
}

function checkSettings(s: TlsSettings): void {
  for (const host of s.broker_hosts) {
    if (!isIP(host) && !HOST_NAME.test(host)) {
      throw new TlsSetupError(
        `--broker-host ${JSON.stringify(host)} is neither a host name nor an IP address`,
      );
    }
  }
  if (!parseListen(s.listen)) {
    throw new TlsSetupError(`--listen ${JSON.stringify(s.listen)} must be PORT or ADDRESS:PORT (e.g. 8883)`);
  }
  for (const [flag, path] of [
    ['--broker-dir', s.broker_dir],
    ['--persistence-dir', s.persistence_dir],
  ] as const) {
    // One line per setting in mosquitto.conf: a control character would start another.
    if (!path.startsWith('/') || /[\0-\x1f]/.test(path)) {
      throw new TlsSetupError(`${flag} ${JSON.stringify(path)} must be an absolute path on one line`);
    }
  }
}

function checkVehicles(vehicles: readonly string[]): string[] {
  for (const v of vehicles) {
    if (!isValidVehicleId(v)) {
      throw new TlsSetupError(
        `vehicle id ${JSON.stringify(v)} is not valid (letters, digits, _ . -, at most 64, first a letter or digit)`,
      );
    }
    if (RESERVED_IDENTITIES.includes(v)) {
      throw new TlsSetupError(`vehicle id "${v}" is reserved for the depot's certificate`);
    }
  }
  return [...new Set(vehicles)];
}

async function ensureCa(layout: TlsLayout, run: OpensslRunner): Promise<Action> {
  const hasCert = existsSync(layout.ca.cert);
  const hasKey = existsSync(layout.ca.key);
  if (hasCert !== hasKey) {
    const [has, lacks] = hasCert ? [layout.ca.cert, layout.ca.key] : [layout.ca.key, layout.ca.cert];
    throw new TlsSetupError(`${has} exists without ${lacks}: restore it, or move both away to make a new CA`);
  }
  if (!hasCert) {
    await makeCa(run, layout.ca, 'teiki-ca');
    return 'created';
  }
  const ca = guard(() => readCertificate(layout.ca.cert));
  if (!ca.ca) throw new TlsSetupError(`${layout.ca.cert} is not a CA certificate`);
  return 'reused';
}

function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof CertificateError) throw new TlsSetupError(err.message);
    throw err;
  }
}

/** Issues the pair unless it exists; an existing one must be this CA's and whole. */
async function ensureLeaf(
  layout: TlsLayout,
  out: PairPaths,
  leaf: { commonName: string; days: number; kind: LeafKind },
  run: OpensslRunner,
): Promise<Action> {
  const hasCert = existsSync(out.cert);
  const hasKey = existsSync(out.key);
  if (!hasCert && hasKey) {
    throw new TlsSetupError(
      `${out.key} exists without ${out.cert} (an interrupted run?): remove it and run again`,
    );
  }
  if (!hasCert) {
    await issueLeaf(run, layout.ca, out, leaf);
    return 'created';
  }
  // A certificate whose key was moved to the host that uses it is fine; a key with no
  // certificate is not (see above).
  const cert = guard(() =>
    checkIssuedPair(readCertificate(layout.ca.cert), out.cert, hasKey ? out.key : null),
  );
  // A client's CN is its identity at the broker; a server is known by its subjectAltName only.
  if (leaf.kind.usage === 'client' && commonName(cert) !== leaf.commonName) {
    throw new TlsSetupError(`${out.cert} has CN ${commonName(cert)}, not ${leaf.commonName}`);
  }
  if (leaf.kind.usage === 'server') {
    const covered = new Set(altNames(cert).map(canonicalName));
    const missing = leaf.kind.names.filter((n) => !covered.has(canonicalName(n)));
    if (missing.length > 0) {
      throw new TlsSetupError(
        `${out.cert} does not cover ${missing.join(', ')}: move broker.crt and broker.key away and run again to reissue it`,
      );
    }
  }
  return 'kept';
}

async function finish(
  layout: TlsLayout,
  settings: TlsSettings,
  newBuses: readonly string[],
  caAction: Action,
  run: OpensslRunner,
): Promise<TlsSummary> {
  const names = [...new Set([...LOCAL_NAMES, ...settings.broker_hosts])];
  const brokerCn = settings.broker_hosts[0] ?? 'localhost';
  const days = settings.days;
  const brokerAction = await ensureLeaf(
    layout,
    layout.broker,
    { commonName: brokerCn, days, kind: { usage: 'server', names } },
    run,
  );
  const depotAction = await ensureLeaf(
    layout,
    layout.depot,
    { commonName: DEPOT_IDENTITY, days, kind: { usage: 'client' } },
    run,
  );
  const actions = new Map<string, Action>();
  for (const vehicle of newBuses) {
    actions.set(
      vehicle,
      await ensureLeaf(
        layout,
        layout.bus(vehicle),
        { commonName: vehicle, days, kind: { usage: 'client' } },
        run,
      ),
    );
  }
  // The ACL lists every bus with a certificate here, checked like the new ones.
  const vehicles = listBuses(layout);
  for (const vehicle of vehicles) {
    if (actions.has(vehicle)) continue;
    const files = layout.bus(vehicle);
    const key = existsSync(files.key) ? files.key : null;
    const cert = guard(() => checkIssuedPair(readCertificate(layout.ca.cert), files.cert, key));
    if (commonName(cert) !== vehicle) {
      throw new TlsSetupError(`${files.cert} has CN ${commonName(cert)}: a bus's file is named by its CN`);
    }
    actions.set(vehicle, 'kept');
  }
  const identities = syncIdentities(vehicles);
  guardRange(() => checkIdentities(identities));

  const listen = parseListen(settings.listen);
  if (!listen) throw new TlsSetupError(`listen ${settings.listen} is not PORT or ADDRESS:PORT`);
  writeDerived(layout.acl, mosquittoAcl(identities));
  writeDerived(
    layout.mosquittoConf,
    mosquittoConf({ listen, brokerDir: settings.broker_dir, persistenceDir: settings.persistence_dir }),
  );
  writeDerived(layout.settings, `${JSON.stringify(settings, null, 2)}\n`);

  const host = settings.broker_hosts[0] ?? 'localhost';
  const url = `mqtts://${isIP(host) === 6 ? `[${host}]` : host}:${listen.port}`;
  return {
    dir: layout.dir,
    ca: { ...layout.ca, action: caAction },
    broker: { ...layout.broker, action: brokerAction, names },
    depot: { ...layout.depot, action: depotAction, cn: DEPOT_IDENTITY },
    buses: vehicles.map((vehicle) => ({
      vehicle,
      ...layout.bus(vehicle),
      action: actions.get(vehicle) ?? 'kept',
      mqtt: {
        url,
        ca: `${BUS_TLS_DIR}/teiki-ca.crt`,
        cert: `${BUS_TLS_DIR}/${vehicle}.crt`,
        key: `${BUS_TLS_DIR}/${vehicle}.key`,
      },
    })),
    mosquitto_conf: layout.mosquittoConf,
    acl: layout.acl,
    settings: layout.settings,
  };
}

function guardRange(f: () => void): void {
  try {
    f();
  } catch (err) {
    if (err instanceof RangeError) throw new TlsSetupError(err.message);
    throw err;
  }
}
