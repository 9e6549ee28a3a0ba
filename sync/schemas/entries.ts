import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { CalendarDate, Idm, PassId } from './common.js';

/**
 * A pass on the wire: one sales row, kept generic here. The transport checks only that it is a
 * bounded object; the bus validates its fields with the sales-row schema (device/imports/
 * sales-row.ts) when it applies the list, through the `parseRow` it injects. Swapping this
 * placeholder for that schema is a one-line change.
 */
export const WireRowSchema = z.record(z.string().max(64), z.unknown());
export type WireRow = z.infer<typeof WireRowSchema>;

/** Tombstone of a change of card (device/domain/pass.ts CardChange, IDm lowercase). */
export const CardChangeSchema = z.object({ idm: Idm, pass_id: PassId, valid_until: CalendarDate }).strict();
export type WireCardChange = z.infer<typeof CardChangeSchema>;

/**
 * One line of a snapshot chunk: `{"pass":{…}}` or `{"card_change":{…}}`. Tombstones travel in
 * snapshots too, or a bus that starts from a snapshot would take a moved-away card for `no_pass`.
 * Lines are checked by hand in sync/snapshot-unpack.ts (parseEntryLine): a million per snapshot.
 */
export type SnapshotEntry<Row = WireRow> = { readonly pass: Row } | { readonly card_change: WireCardChange };

export const MAX_ENTRY_LINE_BYTES = LIMITS.entryLineBytes;
