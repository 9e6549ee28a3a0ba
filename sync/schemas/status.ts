import { z } from 'zod';
import { STORAGE_STATES } from '../../device/daemon/storage-state.js';
import { Count, IsoTime, ListVersion, VehicleId } from './common.js';

/**
 * A bus's retained status. `online` is published on every connect and on change; `offline` is
 * the last will (fixed at connect time, so it carries no time) and the graceful-shutdown message.
 * The depot's fleet view is the set of retained statuses.
 */
const Online = z
  .object({
    type: z.literal('status'),
    vehicle: VehicleId,
    state: z.literal('online'),
    at: IsoTime,
    list_version: ListVersion.nullable(),
    list_expires_at: IsoTime.nullable(),
    list_applied_at: IsoTime.nullable(),
    network_version: z.string().max(128).nullable(),
    /** Boarding records not yet acknowledged by the depot. */
    pending_records: Count,
    /**
     * The teiki-validator version the bus runs (package.json). Optional: buses older than issue 11
     * do not send it, and the fleet view shows "-" for them.
     */
    software_version: z.string().min(1).max(64).optional(),
    /** Rejected sync messages by code since start (`sync.rejected`). */
    rejected: z.record(z.string().max(32), Count).optional(),
    /** Set only when records cannot be written on the bus (issue 12): why, and how many are held in memory. */
    records_storage: z.enum(STORAGE_STATES).optional(),
    records_in_memory: Count.optional(),
  })
  .strict();

const Offline = z
  .object({
    type: z.literal('status'),
    vehicle: VehicleId,
    state: z.literal('offline'),
    /** Set on graceful shutdown; absent in the last will. */
    at: IsoTime.optional(),
  })
  .strict();

export const StatusSchema = z.discriminatedUnion('state', [Online, Offline]);
export type Status = z.infer<typeof StatusSchema>;
export type OnlineStatus = z.infer<typeof Online>;
