/**
 * The TLS directory `teiki depot tls` keeps (`--out DIR`): the CA, the broker's, the depot's and
 * every bus's certificate, the broker files derived from them, and the settings of the last run
 * (so `add-bus` regenerates the same broker config). File names match the install steps in
 * systemd/README.md: the buses get `teiki-ca.crt` and `<vehicle>.crt`/`.key` as they are.
 */
import { chmodSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { PairPaths } from './issue.js';

export interface TlsLayout {
  readonly dir: string;
  readonly settings: string;
  readonly ca: PairPaths;
  readonly broker: PairPaths;
  readonly depot: PairPaths;
  readonly busDir: string;
  bus(vehicle: string): PairPaths;
  readonly mosquittoConf: string;
  readonly acl: string;
}

export function tlsLayout(dir: string): TlsLayout {
  const pair = (base: string, name: string) => ({
    cert: join(base, `${name}.crt`),
    key: join(base, `${name}.key`),
  });
  const busDir = join(dir, 'buses');
  return {
    dir,
    settings: join(dir, 'teiki-tls.json'),
    ca: pair(dir, 'teiki-ca'),
    broker: pair(dir, 'broker'),
    depot: pair(dir, 'depot'),
    busDir,
    bus: (vehicle) => pair(busDir, vehicle),
    mosquittoConf: join(dir, 'mosquitto.conf'),
    acl: join(dir, 'acl'),
  };
}

/** The broker's side of a run, kept in `teiki-tls.json`. */
export const TlsSettingsSchema = z
  .object({
    /** Names and addresses the broker's certificate covers beside localhost and 127.0.0.1. */
    broker_hosts: z.array(z.string()).default([]),
    /** mosquitto's listener: `port` or `address:port`. */
    listen: z.string().default('8883'),
    /** Where the broker reads teiki-ca.crt, broker.crt, broker.key and acl (absolute). */
    broker_dir: z.string(),
    /** mosquitto's persistence_location. */
    persistence_dir: z.string().default('/var/lib/mosquitto/'),
    /** Validity of the certificates issued, in days. */
    days: z.number().int().positive().default(825),
  })
  .strict();

export type TlsSettings = z.infer<typeof TlsSettingsSchema>;

export function readSettings(layout: TlsLayout): TlsSettings | null {
  let text: string;
  try {
    text = readFileSync(layout.settings, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${layout.settings} is not JSON (it is written by teiki depot tls init)`);
  }
  const parsed = TlsSettingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${layout.settings}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Replaces a derived file whole (write beside, then rename): a reader never sees half of it. */
export function writeDerived(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  // Not secret, and the broker's own user reads them: readable whatever teiki's umask (0077).
  chmodSync(tmp, 0o644);
  renameSync(tmp, path);
}

/** Vehicle ids with a certificate in `buses/`, sorted. */
export function listBuses(layout: TlsLayout): string[] {
  let names: string[];
  try {
    names = readdirSync(layout.busDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith('.crt'))
    .map((n) => n.slice(0, -'.crt'.length))
    .sort();
}
