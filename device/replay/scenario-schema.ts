import { z } from 'zod';
import { RuleSettingsSchema } from '../config/rules-schema.js';

/**
 * The replay scenario (DESIGN.md "Replay scenario"): the one schema of this boundary.
 * Pass rows (in `passes` and in `passes` events) are checked by the sales-export schema after
 * this one, so their line/event index can be named.
 */
const IsoWithOffset = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
    'must be an ISO 8601 time with an offset, e.g. 2026-04-01T07:58:05+09:00',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'is not a real time');

export const StopEventSchema = z
  .object({
    at: IsoWithOffset,
    stop: z
      .object({ route: z.string().min(1), stop: z.string().min(1), trip: z.string().min(1).optional() })
      .strict(),
  })
  .strict();

export const TapEventSchema = z
  .object({
    at: IsoWithOffset,
    tap: z
      .object({
        idm: z.string().regex(/^[0-9a-fA-F]{16}$/, 'must be 16 hex characters'),
        reader: z.enum(['boarding', 'alighting']),
      })
      .strict(),
  })
  .strict();

export const PassesEventSchema = z
  .object({ at: IsoWithOffset, passes: z.array(z.record(z.string(), z.unknown())) })
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
