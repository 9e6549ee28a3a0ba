import { z } from 'zod';
import { IsoTimestamp } from '../config/iso-timestamp.js';
import { RuleSettingsSchema } from '../config/rules-schema.js';

/**
 * The replay scenario (DESIGN.md "Replay scenario"): the one schema of this boundary.
 * Pass rows (in `passes` and in `passes` events) are checked by the sales-export schema after
 * this one, so their line/event index can be named.
 */
/** A real instant: 2026-02-30 or 24:00 is refused, not rolled over (config/iso-timestamp.ts). */
const At = IsoTimestamp;

export const StopEventSchema = z
  .object({
    at: At,
    stop: z
      .object({ route: z.string().min(1), stop: z.string().min(1), trip: z.string().min(1).optional() })
      .strict(),
  })
  .strict();

export const TapEventSchema = z
  .object({
    at: At,
    tap: z
      .object({
        idm: z.string().regex(/^[0-9a-fA-F]{16}$/, 'must be 16 hex characters'),
        reader: z.enum(['boarding', 'alighting']),
      })
      .strict(),
  })
  .strict();

export const PassesEventSchema = z
  .object({ at: At, passes: z.array(z.record(z.string(), z.unknown())) })
  .strict();

export const ScenarioEventSchema = z.union([StopEventSchema, TapEventSchema, PassesEventSchema]);

export const ScenarioSchema = z
  .object({
    vehicle: z.object({ id: z.string().min(1), operator: z.string().min(1) }).strict(),
    network: z.string().min(1),
    settings: RuleSettingsSchema.partial().strict().default({}),
    passes: z.union([z.string().min(1), z.array(z.record(z.string(), z.unknown()))]),
    events: z.array(z.unknown()),
  })
  .strict();

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioEvent = z.infer<typeof ScenarioEventSchema>;
