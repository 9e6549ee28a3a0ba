import { z } from 'zod';
import { IsoTime, ListVersion, VehicleId } from './common.js';

/**
 * A bus asking for a snapshot: it saw a gap in the deltas, its list expired, it has no depot list
 * yet, or it refused what it received. The depot answers by publishing a fresh snapshot when the
 * retained one is not newer than `have_version` (otherwise the retained one already serves).
 */
export const RESYNC_REASONS = ['gap', 'expired', 'no_list', 'rejected'] as const;

export const ResyncSchema = z
  .object({
    type: z.literal('resync'),
    vehicle: VehicleId,
    have_version: ListVersion.nullable(),
    reason: z.enum(RESYNC_REASONS),
    at: IsoTime,
  })
  .strict();
export type Resync = z.infer<typeof ResyncSchema>;
