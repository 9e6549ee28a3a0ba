/**
 * Building one records batch from the outbox. A batch is always a run of *consecutive pending*
 * records of one vehicle (the depot's ack names a seq range, and the bus marks that range; a batch
 * that skipped a pending record inside its range would get it marked without being sent). Records
 * that are held back (refused by the depot, or not encodable) end a run and are stepped over.
 */
import { randomUUID } from 'node:crypto';
import type { StoredRecord } from '../../device/store/types.js';
import { LIMITS } from '../limits.js';
import { encodeRecords } from '../messages.js';
import { isSyncRejection } from '../rejection.js';
import type { RecordsBatch } from '../schemas/records.js';
import { toWireRecord, WireRecordSchema } from '../schemas/records.js';

/** Seq ranges the uploader does not send for now (inclusive bounds; `until` epoch ms). */
export class HeldRanges {
  readonly #ranges: Array<{ first: number; last: number; until: number; why: string }> = [];

  hold(first: number, last: number, until: number, why: string): void {
    this.#ranges.push({ first, last, until, why });
  }

  /** The hold covering `seq` at `now`, if any; expired holds are forgotten. */
  covering(seq: number, now: number): { first: number; last: number } | null {
    for (let i = this.#ranges.length - 1; i >= 0; i--) {
      const r = this.#ranges[i]!;
      if (r.until <= now) this.#ranges.splice(i, 1);
      else if (seq >= r.first && seq <= r.last) return r;
    }
    return null;
  }

  get size(): number {
    return this.#ranges.length;
  }
}

export interface BuiltBatch {
  readonly batch: RecordsBatch;
  readonly payload: Buffer;
}

export interface BatchSource {
  pendingAfter(afterSeq: number, limit: number): StoredRecord[];
}

export type BatchStep =
  | { readonly kind: 'batch'; readonly built: BuiltBatch; readonly cursor: number }
  | { readonly kind: 'skip'; readonly cursor: number }
  | { readonly kind: 'bad'; readonly record: StoredRecord; readonly reason: string }
  | { readonly kind: 'none' };

/**
 * The next step after `cursor` (the highest seq already dealt with in this round): a batch to send,
 * a held range to step over, a record that cannot go on the wire, or nothing pending.
 */
export function nextBatch(
  source: BatchSource,
  vehicle: string,
  cursor: number,
  size: number,
  held: HeldRanges,
  now: number,
): BatchStep {
  const records = source.pendingAfter(cursor, size);
  if (records.length === 0) return { kind: 'none' };
  const first = records[0]!;
  const hold = held.covering(first.seq, now);
  if (hold) return { kind: 'skip', cursor: hold.last };
  let end = 1;
  while (end < records.length && !held.covering(records[end]!.seq, now)) end++;
  let run = records.slice(0, end);
  for (;;) {
    try {
      const built = encodeBatch(vehicle, run, now);
      if (built.payload.byteLength <= LIMITS.recordsMessageBytes || run.length === 1) {
        return { kind: 'batch', built, cursor: run.at(-1)!.seq };
      }
      // Unusually long text fields: halve rather than exceed the depot's message bound.
      run = run.slice(0, Math.ceil(run.length / 2));
    } catch (err) {
      if (!isSyncRejection(err)) throw err;
      const bad = findBadRecord(run);
      if (!bad) throw err;
      const badIndex = run.indexOf(bad.record);
      if (badIndex === 0) return { kind: 'bad', record: bad.record, reason: bad.reason };
      run = run.slice(0, badIndex);
    }
  }
}

export function encodeBatch(vehicle: string, records: readonly StoredRecord[], now: number): BuiltBatch {
  const batch: RecordsBatch = {
    type: 'records',
    vehicle,
    batch_id: randomUUID(),
    sent_at: new Date(now).toISOString(),
    first_seq: records[0]!.seq,
    last_seq: records.at(-1)!.seq,
    records: records.map(toWireRecord),
  };
  return { batch, payload: encodeRecords(batch) };
}

function findBadRecord(records: readonly StoredRecord[]): { record: StoredRecord; reason: string } | null {
  for (const record of records) {
    const r = WireRecordSchema.safeParse(toWireRecord(record));
    if (!r.success) {
      const issue = r.error.issues[0];
      return { record, reason: `${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}` };
    }
  }
  return null;
}
