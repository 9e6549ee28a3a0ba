import { z } from 'zod';

/**
 * Rule settings: the `rules` key of the config and the `settings` of a replay scenario.
 * The one place their types and defaults live.
 */
export const RuleSettingsSchema = z
  .object({
    /** Route ids that take no ICOCA passes at all (e.g. the lake-line sightseeing loop). */
    routes_without_passes: z.array(z.string().min(1)).default([]),
    /** `difference`: fare − pass amount (default); `full_fare`: the whole fare. */
    excess_rule: z.enum(['difference', 'full_fare']).default('difference'),
    /** Same card on the same reader within this many seconds is a duplicate tap. */
    duplicate_window_s: z.number().min(0).max(3600).default(3),
    /** An open tap-on older than this no longer counts (neither blocks a tap-on nor serves a tap-off). */
    max_ride_minutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(180),
    /** What a stale list (past its manifest's expiry) does: accept with a warning, or ask for attention. */
    stale_policy: z.enum(['accept', 'attention']).default('accept'),
  })
  .strict();

export type RuleSettings = z.infer<typeof RuleSettingsSchema>;
export const DEFAULT_RULE_SETTINGS: RuleSettings = RuleSettingsSchema.parse({});
