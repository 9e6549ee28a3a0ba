import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { IsoTime, ListVersion, PassId } from './common.js';
import { CardChangeSchema, WireRowSchema } from './entries.js';

/**
 * A signed change from list version `from_version` to exactly `from_version + 1`. It carries what
 * must reach buses the same day (refunds, card changes, suspensions) and anything else the depot
 * import changed. `expires_at` becomes the expiry of the list in force once applied.
 */
export const DeltaSchema = z
  .object({
    type: z.literal('delta'),
    from_version: ListVersion,
    to_version: ListVersion,
    created_at: IsoTime,
    expires_at: IsoTime,
    network_version: z.string().max(128).nullable(),
    /** Whole sales rows (added or changed passes), validated on the bus by the sales-row schema. */
    upserts: z.array(WireRowSchema).max(LIMITS.deltaItems),
    /** Passes gone from the export altogether. */
    removals: z.array(PassId).max(LIMITS.deltaItems),
    /** Old cards that passes moved away from (the new card arrives as an upsert). */
    card_changes: z.array(CardChangeSchema).max(LIMITS.deltaItems),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.to_version !== d.from_version + 1) {
      ctx.addIssue({ code: 'custom', path: ['to_version'], message: 'must be from_version + 1' });
    }
    if (Date.parse(d.expires_at) <= Date.parse(d.created_at)) {
      ctx.addIssue({ code: 'custom', path: ['expires_at'], message: 'is not after created_at' });
    }
  });
export type Delta = z.infer<typeof DeltaSchema>;
