import { z } from 'zod';
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

const MqttSchema = z
  .object({
    url: z.string().url().optional(),
    /** Client id of the persistent session; defaults to `teiki-bus-<vehicle.id>`. */
    client_id: z.string().min(1).optional(),
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
  })
  .strict();

const TrustSchema = z
  .object({
    /** Pinned depot Ed25519 public keys (PEM or base64 SPKI); several allowed for key rotation. */
    depot_public_keys: z.array(z.string().min(1)).default([]),
  })
  .strict();

const LogSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .strict();

export const ConfigSchema = z
  .object({
    vehicle: z.object({ id: z.string().min(1).max(64), operator: OperatorId }).strict(),
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
    mqtt: MqttSchema.default({}),
    trust: TrustSchema.default({ depot_public_keys: [] }),
    rules: RuleSettingsSchema.default(RuleSettingsSchema.parse({})),
    log: LogSchema.default({ level: 'info' }),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
