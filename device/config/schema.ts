import cron from 'node-cron';
import { z } from 'zod';
import { VEHICLE_ID_PATTERN, VEHICLE_ID_RULE } from '../domain/vehicle-id.js';
import { parseEd25519PublicKey } from './public-key.js';
import { RuleSettingsSchema } from './rules-schema.js';

/**
 * The validator's configuration: one JSON file, one schema, all defaults here (and only here).
 * Every object is strict: an unknown key stops start-up naming the key (often a typo).
 */
const OperatorId = z.string().min(1).max(64);

const ReaderSchema = z
  .object({
    driver: z.enum(['pcsc', 'sim']),
    /** Substring of the PC/SC reader name (case-insensitive); '' matches any reader. */
    match: z.string().default(''),
    role: z.enum(['boarding', 'alighting']),
  })
  .strict();

const DisplaySchema = z
  .object({
    driver: z.enum(['serial', 'console']).default('console'),
    /** Serial device path, e.g. /dev/teiki-display (udev name, see systemd/README.md). */
    path: z.string().min(1).optional(),
    baud: z.number().int().positive().default(115200),
    /** Text encoding of display frames. */
    encoding: z.enum(['utf-8', 'shift_jis']).default('utf-8'),
    /** How long to wait for the display unit's ACK before resending a frame. */
    ack_timeout_ms: z.number().int().min(10).max(10_000).default(200),
    /** Resends of an unacknowledged frame before it is dropped and reported. */
    max_retries: z.number().int().min(0).max(20).default(3),
    /** Pending frames at most; the newest verdict wins when full. */
    queue_limit: z.number().int().min(1).max(1000).default(8),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.driver === 'serial' && !d.path) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'is required when driver is "serial"' });
    }
  });

const StopSourceSchema = z
  .object({
    driver: z.enum(['serial', 'sim']),
    path: z.string().min(1).optional(),
    baud: z.number().int().positive().default(9600),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.driver === 'serial' && !d.path) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'is required when driver is "serial"' });
    }
  });

/** What mqtt.js can connect a bus with; `ftp://…` would pass as a URL and reconnect forever. */
const MQTT_PROTOCOLS = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

const MqttUrl = z
  .string()
  .url()
  // zod runs this refine after a failed .url() too: leave an unparsable URL to that message.
  .refine(
    (u) => !URL.canParse(u) || MQTT_PROTOCOLS.includes(new URL(u).protocol),
    'must be an mqtt://, mqtts://, ws:// or wss:// URL',
  );

const MqttSchema = z
  .object({
    url: MqttUrl.optional(),
    /** Client id of the persistent session; defaults to `teiki-bus-<vehicle.id>`. */
    client_id: z.string().min(1).optional(),
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    /**
     * MQTT 5 session expiry: how long the broker keeps this bus's session (subscriptions and the
     * QoS 1 messages queued for it) while it is away. A week covers a bus off the road for repairs.
     */
    session_expiry_s: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .default(7 * 24 * 3600),
    /** Reconnect back-off: first delay, doubled after each failure up to the cap. */
    reconnect_min_ms: z.number().int().min(10).max(60_000).default(1000),
    reconnect_max_ms: z.number().int().min(10).max(3_600_000).default(60_000),
    keepalive_s: z.number().int().min(5).max(3600).default(30),
  })
  .strict();

/** Cron expressions (five fields, or six with seconds) are checked at start-up, not at 02:30. */
const CronExpression = z.string().refine((e) => cron.validate(e), 'is not a valid cron expression');

/**
 * The sync schedule and the record upload (sync/bus/*). Jobs run in Asia/Tokyo (DOMAIN: dates are
 * Tokyo calendar days), so "30 2 * * *" is 02:30 JST whatever the system time zone.
 */
const SyncSchema = z
  .object({
    /** How often pending boarding records are offered to the depot (also on connect and on ack). */
    upload_every_s: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(15)
      .refine(
        (n) => (n < 60 ? 60 % n === 0 : n % 60 === 0 && 3600 % n === 0),
        'must divide a minute (1-30 s) or be whole minutes dividing an hour',
      ),
    /** Records per batch message (the wire allows 5,000). */
    batch_size: z.number().int().min(1).max(5000).default(2000),
    /** Batches sent and not yet acknowledged, at most. */
    upload_window: z.number().int().min(1).max(32).default(4),
    /** A batch with no ack after this long is sent again (the depot dedupes). */
    ack_timeout_s: z.number().int().min(1).max(3600).default(30),
    /** Retained status republished this often (and on connect and change). */
    status_every_s: z.number().int().min(5).max(3600).default(60),
    /** Acknowledged records are deleted this many days after the ack (personal data). */
    retention_days: z.number().min(0).max(90).default(1),
    nightly_check_cron: CronExpression.default('30 2 * * *'),
    wal_checkpoint_cron: CronExpression.default('0 3 * * *'),
    purge_cron: CronExpression.default('15 3 * * *'),
  })
  .strict();

function checkPublicKey(text: string, ctx: z.RefinementCtx): void {
  try {
    parseEd25519PublicKey(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
}

const TrustSchema = z
  .object({
    /** Pinned depot Ed25519 public keys (PEM or base64 SPKI); several allowed for key rotation. */
    depot_public_keys: z.array(z.string().min(1).superRefine(checkPublicKey)).default([]),
  })
  .strict();

const LogSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** The id is an MQTT topic level and the CN of the bus's certificate (device/domain/vehicle-id.ts). */
    vehicle: z
      .object({ id: z.string().regex(VEHICLE_ID_PATTERN, VEHICLE_ID_RULE), operator: OperatorId })
      .strict(),
    /** Where the pass list and records live (systemd StateDirectory on the bus). */
    data_dir: z.string().min(1).default('/var/lib/teiki'),
    readers: z.array(ReaderSchema).default([]),
    display: DisplaySchema.default({
      driver: 'console',
      baud: 115200,
      encoding: 'utf-8',
      ack_timeout_ms: 200,
      max_retries: 3,
      queue_limit: 8,
    }),
    stop_source: StopSourceSchema.optional(),
    mqtt: MqttSchema.default(MqttSchema.parse({})),
    sync: SyncSchema.default(SyncSchema.parse({})),
    trust: TrustSchema.default({ depot_public_keys: [] }),
    rules: RuleSettingsSchema.default(RuleSettingsSchema.parse({})),
    log: LogSchema.default({ level: 'info' }),
  })
  .strict()
  .superRefine((c, ctx) => {
    // A bus that syncs verifies every list against the pinned keys; without one it could take none.
    if (c.mqtt.url && c.trust.depot_public_keys.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['trust', 'depot_public_keys'],
        message: 'at least one pinned depot key is required when mqtt.url is set',
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;
export type MqttConfig = Config['mqtt'];
export type SyncConfig = Config['sync'];
export type ConfigInput = z.input<typeof ConfigSchema>;
