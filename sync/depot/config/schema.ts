/**
 * The depot's configuration (DESIGN.md "Depot service"): one JSON file, one schema, validated like
 * the bus's (every object strict: an unknown key stops the command naming the key). The one-shot
 * commands (`depot publish`, `collect`, `fleet`) take their defaults from it, so TLS files and the
 * state directory are not repeated on every call; `teiki depot serve` (issue 14) reads the same
 * file. Every key is optional here: each command says which ones it needs, and a flag on the
 * command line wins over the file.
 */
import cron from 'node-cron';
import { z } from 'zod';

const Path = z.string().min(1, 'must be a non-empty path');

const MqttUrl = z
  .string()
  .regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL');

const DepotMqttSchema = z
  .object({
    /** The broker, e.g. mqtts://broker.example.jp:8883 (`--mqtt`). */
    url: MqttUrl.optional(),
    /** CA certificate (PEM) that signed the broker's certificate (`--ca`). */
    ca: Path.optional(),
    /** The depot's client certificate (PEM, CN `depot`) (`--tls-cert`). */
    cert: Path.optional(),
    /** Its private key (PEM) (`--tls-key`). */
    key: Path.optional(),
    /**
     * Client id of the depot's persistent session (`collect`, later `serve`). Never used by
     * `publish` or `fleet`, which take a fresh id each run: sharing the collector's would end
     * its session.
     */
    client_id: z.string().min(1).max(128).optional(),
  })
  .strict();

const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'is not an IANA time zone (e.g. "Asia/Tokyo")');

const ScheduleSchema = z
  .object({
    /** When a full snapshot goes out (node-cron expression, in `timezone`). */
    snapshot: z
      .string()
      .refine((e) => cron.validate(e), 'is not a valid cron expression')
      .optional(),
    timezone: TimeZone.default('Asia/Tokyo'),
  })
  .strict();

const StorageSchema = z
  .object({
    /** Absent: SQLite under `state_dir`; `postgres://…`: PostgreSQL. */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL (leave it out for SQLite)')
      .optional(),
  })
  .strict();

const WebSchema = z
  .object({
    /** `host:port` of the depot's web console. */
    listen: z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port (e.g. 127.0.0.1:8080)')
      .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65_535, 'port must be at most 65535')
      .optional(),
  })
  .strict();

export const DepotConfigSchema = z
  .object({
    /** The depot's state: the list last published, the publish log, the collected records. */
    state_dir: Path.optional(),
    /** The depot's Ed25519 private key (from `teiki depot keys generate`; mode 0600). */
    signing_key: Path.optional(),
    mqtt: DepotMqttSchema.optional(),
    /** The directory the sales system drops exports into. */
    inbox: Path.optional(),
    /** The GTFS / GTFS-JP feed directory the lists are made for. */
    network: Path.optional(),
    schedule: ScheduleSchema.optional(),
    storage: StorageSchema.optional(),
    /** Days the depot keeps collected records. */
    retention_days: z.number().int().min(1).max(36_500).optional(),
    web: WebSchema.optional(),
  })
  .strict();

export type DepotConfig = z.infer<typeof DepotConfigSchema>;

/** The keys that hold paths: relative ones resolve against the config file's folder. */
export const DEPOT_CONFIG_PATHS = [
  ['state_dir'],
  ['signing_key'],
  ['inbox'],
  ['network'],
  ['mqtt', 'ca'],
  ['mqtt', 'cert'],
  ['mqtt', 'key'],
] as const;
