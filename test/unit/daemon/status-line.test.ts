import { describe, expect, it } from 'vitest';
import { statusLine } from '../../../device/daemon/status-line.js';
import type { StorageState } from '../../../device/daemon/storage-state.js';
import { ALARM_JA } from '../../../device/display/messages-ja.js';
import type { ListInfo } from '../../../device/store/types.js';

const NOW = Date.parse('2026-12-01T08:00:00+09:00');
const HOUR = 3_600_000;
const list = (over: Partial<ListInfo> = {}): ListInfo => ({
  version: 12,
  count: 3,
  active: 3,
  changes: 0,
  appliedAt: new Date(NOW - 2 * HOUR).toISOString(),
  expiresAt: new Date(NOW + 24 * HOUR).toISOString(),
  source: 'sync',
  ...over,
});
const line = (
  l: ListInfo,
  over: {
    recordFailing?: boolean;
    now?: number;
    storage?: StorageState;
    recordsOverflowing?: boolean;
    storageLow?: boolean;
  } = {},
) =>
  statusLine({
    list: l,
    now: over.now ?? NOW,
    link: 'online',
    readers: [{ reader: 'boarding', name: 'ACS ACR1252', state: 'connected' }],
    recordFailing: over.recordFailing ?? false,
    ...(over.storage ? { storage: over.storage } : {}),
    ...(over.recordsOverflowing ? { recordsOverflowing: true } : {}),
    ...(over.storageLow ? { storageLow: true } : {}),
  });

describe('the driver status line', () => {
  it('shows version and age, and no alarm on a healthy bus', () => {
    expect(line(list())).toMatchObject({
      listVersion: 12,
      listAgeMinutes: 120,
      listStale: false,
      alarms: [],
    });
  });

  it('warns of a stale list past its expiry', () => {
    const s = line(list({ expiresAt: new Date(NOW - HOUR).toISOString() }));
    expect(s.listStale).toBe(true);
    expect(s.alarms).toEqual([ALARM_JA.listStale]);
  });

  it('raises the clock alarm when the clock is before the list in force or far past its expiry', () => {
    expect(line(list({ appliedAt: new Date(NOW + 24 * HOUR).toISOString() })).alarms).toContain(
      ALARM_JA.clockInvalid,
    );
    expect(line(list(), { now: NOW + 365 * 24 * HOUR }).alarms).toContain(ALARM_JA.clockInvalid);
    expect(line(list(), { now: 0 }).alarms).toContain(ALARM_JA.clockInvalid);
  });

  it('raises the storage alarm while records cannot be written', () => {
    expect(line(list(), { recordFailing: true }).alarms).toEqual([ALARM_JA.recordFailed]);
  });

  it('names why records are held in memory, and that they are being lost once the memory is full', () => {
    expect(ALARM_JA.readOnly).toBe('記録エラー 書込不可');
    expect(line(list(), { storage: 'read_only' }).alarms).toEqual([ALARM_JA.readOnly]);
    expect(line(list(), { storage: 'full' }).alarms).toEqual([ALARM_JA.diskFull]);
    expect(line(list(), { storage: 'unavailable' }).alarms).toEqual([ALARM_JA.recordFailed]);
    expect(line(list(), { storageLow: true }).alarms).toEqual([ALARM_JA.diskFull]);
    // One storage alarm, the worst: records being lost outranks why.
    expect(line(list(), { storage: 'read_only', recordsOverflowing: true, storageLow: true }).alarms).toEqual(
      [ALARM_JA.recordsOverflow],
    );
  });
});
