import { z } from 'zod';
import { ATTENTION_REASONS, REJECT_REASONS } from '../../device/domain/verdict.js';
import { CLOCK_STATES } from '../../device/rules/clock-trust.js';
import type { StoredRecord } from '../../device/store/types.js';
import { LIMITS } from '../limits.js';
import { Count, Idm, IsoTime, PassId, VehicleId } from './common.js';

/**
 * Boarding records going up to the depot. A batch holds records of one vehicle in increasing
 * `seq`; the depot stores them by `event_id` (idempotent) and answers with an ack naming the batch
 * and its seq range. The bus deletes records only after that ack (the database is the outbox).
 */
const Id = z.string().min(1).max(64);
const Name = z.string().min(1).max(128).nullable();
const Yen = z.number().int().min(0).max(1_000_000).nullable();

export const WireRecordSchema = z
  .object({
    event_id: Id,
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    at: Count,
    idm: Idm,
    reader: z.enum(['boarding', 'alighting']),
    route: Name,
    trip: Name,
    stop: Name,
    verdict: z.enum(['accept', 'excess', 'reject', 'attention']),
    reason: z.enum(['ok', 'excess_fare', ...REJECT_REASONS, ...ATTENTION_REASONS]),
    pass_id: PassId.nullable(),
    fare: Yen,
    excess: Yen,
    tap_on_event_id: Id.nullable(),
    // Was the bus's clock trusted for this tap (device/rules/clock-trust.ts)? Optional so that a
    // depot reads batches of buses that predate it; every bus of this version sends it.
    clock: z.enum(CLOCK_STATES).optional(),
  })
  .strict();
export type WireRecord = z.infer<typeof WireRecordSchema>;

export const RecordsBatchSchema = z
  .object({
    type: z.literal('records'),
    vehicle: VehicleId,
    batch_id: Id,
    sent_at: IsoTime,
    first_seq: z.number().int().min(1),
    last_seq: z.number().int().min(1),
    records: z.array(WireRecordSchema).min(1).max(LIMITS.recordsPerBatch),
  })
  .strict()
  .superRefine((b, ctx) => {
    const seqs = b.records.map((r) => r.seq);
    if (seqs[0] !== b.first_seq || seqs.at(-1) !== b.last_seq) {
      ctx.addIssue({
        code: 'custom',
        path: ['first_seq'],
        message: 'first_seq/last_seq do not match the records',
      });
    }
    for (let i = 1; i < seqs.length; i++) {
      if ((seqs[i] ?? 0) <= (seqs[i - 1] ?? 0)) {
        ctx.addIssue({ code: 'custom', path: ['records', i, 'seq'], message: 'seq must strictly increase' });
        break;
      }
    }
  });
export type RecordsBatch = z.infer<typeof RecordsBatchSchema>;

/** A stored record as it goes on the wire (the batch names the vehicle; `uploaded` is local). */
export function toWireRecord(r: StoredRecord): WireRecord {
  // vehicle_id is the batch's, uploaded is the bus's own bookkeeping.
  const { vehicle_id: _vehicle, uploaded: _uploaded, ...wire } = r;
  return wire;
}
