import { z } from 'zod';
import { Count, IsoTime, VehicleId } from './common.js';

/**
 * The depot's answer to a records batch. `stored`: every record of the batch is durably stored
 * (or was already), the bus may delete seq `first_seq`..`last_seq` of that batch. `rejected`: the
 * batch broke its schema; the bus keeps the records and raises an alarm (never deletes on it).
 */
export const AckSchema = z
  .object({
    type: z.literal('ack'),
    vehicle: VehicleId,
    batch_id: z.string().min(1).max(64),
    first_seq: z.number().int().min(1),
    last_seq: z.number().int().min(1),
    count: Count,
    result: z.enum(['stored', 'rejected']),
    error: z.string().max(500).optional(),
    at: IsoTime,
  })
  .strict()
  .refine((a) => a.last_seq >= a.first_seq, { path: ['last_seq'], message: 'is before first_seq' });
export type Ack = z.infer<typeof AckSchema>;
