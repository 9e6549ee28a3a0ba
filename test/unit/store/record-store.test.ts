import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordStore } from '../../../device/store/record-store.js';
import type { NewRecord } from '../../../device/store/types.js';
import { type TempDir, tempDir } from '../imports/helpers.js';

const T0 = Date.parse('2026-04-01T07:58:05+09:00');
const IDM = '0114b3a1c2d3e4f5';

function tapOn(over: Partial<NewRecord> = {}): NewRecord {
  return {
    at: T0,
    idm: IDM,
    reader: 'boarding',
    route: '81',
    trip: '81-out-0750',
    stop: 'matsue-sta',
    verdict: 'accept',
    reason: 'ok',
    pass_id: 'MC-0001',
    fare: null,
    excess: null,
    tap_on_event_id: null,
    ...over,
  };
}

let tmp: TempDir;
let path: string;
let now: number;
const clock = { now: () => now };

beforeEach(() => {
  tmp = tempDir();
  path = join(tmp.dir, 'records.sqlite');
  now = T0;
});
afterEach(() => tmp.cleanup());

describe('boarding records', () => {
  it('get strictly increasing seq numbers, across reopening and purges', () => {
    let store = RecordStore.open(path, 'bus-101', { clock });
    const a = store.commitTap(tapOn(), 'keep');
    const b = store.commitTap(tapOn(), 'keep');
    store.markUploaded([a.event_id, b.event_id]);
    expect(store.purgeUploaded(0)).toBe(2);
    store.close();
    store = RecordStore.open(path, 'bus-101', { clock });
    const c = store.commitTap(tapOn(), 'keep');
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    expect(new Set([a.event_id, b.event_id, c.event_id]).size).toBe(3);
    expect(c).toMatchObject({ vehicle_id: 'bus-101', uploaded: false, idm: IDM });
    store.close();
  });

  it('are listed in seq order, pending only on request', () => {
    const store = RecordStore.open(':memory:', 'bus-101', { clock });
    const recs = [1, 2, 3].map((i) => store.commitTap(tapOn({ at: T0 + i }), 'keep'));
    expect(store.markUploaded([recs[0]!.event_id, 'unknown'])).toBe(1);
    expect(store.markUploaded([recs[0]!.event_id])).toBe(0);
    expect([...store.list()].map((r) => [r.seq, r.uploaded])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    expect([...store.list({ pending: true, limit: 1 })].map((r) => r.seq)).toEqual([2]);
    expect(store.pendingCount()).toBe(2);
    expect([...store.list()][1]).toEqual(recs[1]);
    store.close();
  });

  it('are purged only once acknowledged and old enough', () => {
    const store = RecordStore.open(':memory:', 'bus-101', { clock });
    const a = store.commitTap(tapOn(), 'keep');
    store.commitTap(tapOn(), 'keep');
    store.markUploaded([a.event_id]);
    now += 60_000;
    expect(store.purgeUploaded(120_000)).toBe(0);
    expect(store.purgeUploaded(60_000)).toBe(1);
    expect(store.pendingCount()).toBe(1);
    store.close();
  });
});

describe('open tap-ons', () => {
  it('are opened by a tap-on record and closed by a tap-off one', () => {
    const store = RecordStore.open(':memory:', 'bus-101');
    expect(store.openTapOn(IDM)).toBeNull();
    const on = store.commitTap(tapOn(), 'open');
    expect(store.openTapOn(IDM.toUpperCase())).toEqual({
      event_id: on.event_id,
      at: T0,
      route: '81',
      stop: 'matsue-sta',
      trip: '81-out-0750',
      pass_id: 'MC-0001',
    });
    store.commitTap(
      tapOn({ reader: 'alighting', stop: 'kencho-mae', tap_on_event_id: on.event_id, fare: 200 }),
      'close',
    );
    expect(store.openTapOn(IDM)).toBeNull();
    store.close();
  });

  it('are replaced by a newer tap-on and left alone by "keep"', () => {
    const store = RecordStore.open(':memory:', 'bus-101');
    store.commitTap(tapOn(), 'open');
    const second = store.commitTap(tapOn({ at: T0 + 1000, stop: 'tenjinmachi' }), 'open');
    store.commitTap(tapOn({ verdict: 'reject', reason: 'already_tapped_on' }), 'keep');
    expect(store.openTapOn(IDM)).toMatchObject({ event_id: second.event_id, stop: 'tenjinmachi' });
    store.close();
  });

  it('survive reopening the file', () => {
    const a = RecordStore.open(path, 'bus-101');
    const on = a.commitTap(tapOn(), 'open');
    a.close();
    const b = RecordStore.open(path, 'bus-101');
    expect(b.openTapOn(IDM)?.event_id).toBe(on.event_id);
    b.close();
  });
});

describe('the records file', () => {
  it('is in WAL mode with synchronous=FULL', () => {
    const store = RecordStore.open(path, 'bus-101');
    store.commitTap(tapOn(), 'keep');
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    // synchronous is per connection: only the store's own connection can tell.
    expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    store.close();
  });
});
