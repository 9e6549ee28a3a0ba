import type { NewRecord } from '../../../device/store/types.js';
import type { SnapshotEntry, WireRow } from '../../../sync/schemas/entries.js';
import type { WireRecord } from '../../../sync/schemas/records.js';

/** A sales row as the depot would send it (sync keeps rows generic; the bus validates them). */
export function passRow(i: number): WireRow {
  const idm = (0x0114_0000_0000_0000n + BigInt(i) * 7919n).toString(16).padStart(16, '0');
  return {
    pass_id: `P${i}`,
    card_number: `JW${String(100_000_000_000_000 + i).padStart(15, '0')}`,
    idm,
    kind: i % 10 === 0 ? 'student_free' : 'commuter',
    issuer: i % 2 === 0 ? 'matsue-city' : 'ichibata',
    operators: ['matsue-city', 'ichibata'],
    valid_from: '2026-04-01',
    valid_until: '2026-09-30',
    fare_limit: i % 10 === 0 ? null : 200 + (i % 8) * 50,
    area: i % 10 === 0 ? 'matsue' : null,
    status: i % 97 === 0 ? 'refunded' : 'active',
  };
}

export function* entries(count: number, changes = 0): Generator<SnapshotEntry> {
  for (let i = 0; i < count; i++) yield { pass: passRow(i) };
  for (let i = 0; i < changes; i++) {
    yield {
      card_change: {
        idm: `fe${i.toString(16).padStart(14, '0')}`,
        pass_id: `P${i}`,
        valid_until: '2026-09-30',
      },
    };
  }
}

export const NOW = Date.parse('2026-04-01T03:00:00Z');
export const DAY = 86_400_000;

/** What the test taps share: an accepted boarding on pass P1 at Matsue station, route 81. */
const BOARDING = {
  idm: '0114b3a1c2d3e4f5',
  reader: 'boarding',
  route: '81',
  trip: null,
  stop: 'matsue-sta',
  verdict: 'accept',
  reason: 'ok',
  pass_id: 'P1',
  fare: null,
  excess: null,
  tap_on_event_id: null,
} as const;

/** That tap as the bus commits it to its record store. */
export function tapRecord(at: number, o: Partial<NewRecord> = {}): NewRecord {
  return { at, ...BOARDING, ...o };
}

/** That tap as a bus uploads it in a records batch: event `ev-<seq>`, one second per seq. */
export function wireRecord(seq: number, o: Partial<WireRecord> = {}): WireRecord {
  return { event_id: `ev-${seq}`, seq, at: Date.UTC(2026, 3, 1, 0, 0, seq), ...BOARDING, ...o };
}
