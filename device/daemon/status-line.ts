/** Builds the driver's status line from the stores and reader health. Pure. */
import type { ReaderHealth } from '../../hardware/ports/card-reader.js';
import type { StatusLine } from '../../hardware/ports/driver-display.js';
import { ALARM_JA } from '../display/messages-ja.js';
import { clockBoundsOf, clockTrusted, judgeClock } from '../rules/clock-trust.js';
import type { ListInfo } from '../store/types.js';
import type { StorageState } from './storage-state.js';

export interface StatusInput {
  readonly list: ListInfo;
  readonly now: number;
  readonly link: StatusLine['link'];
  readonly readers: readonly ReaderHealth[];
  /** A record could not be stored and nothing held it. */
  readonly recordFailing?: boolean;
  /** No room left for the disk reserve: the disk is full or nearly (issue 7). */
  readonly storageLow?: boolean;
  /** Whether records can be written (device/daemon/record-storage.ts); absent: ok. */
  readonly storage?: StorageState;
  /** Records held in memory reached their bound: new records are being lost (issue 12). */
  readonly recordsOverflowing?: boolean;
}

/** One storage alarm, the most urgent: records being lost, then why they cannot be written. */
function storageAlarm(s: StatusInput): string | null {
  if (s.recordsOverflowing) return ALARM_JA.recordsOverflow;
  if (s.storage === 'read_only') return ALARM_JA.readOnly;
  if (s.storage === 'full') return ALARM_JA.diskFull;
  if (s.storage === 'unavailable' || s.recordFailing) return ALARM_JA.recordFailed;
  if (s.storageLow) return ALARM_JA.diskFull;
  return null;
}

export function isListStale(list: ListInfo, now: number): boolean {
  return list.expiresAt !== null && Date.parse(list.expiresAt) < now;
}

export function statusLine(s: StatusInput): StatusLine {
  const stale = isListStale(s.list, s.now);
  const alarms: string[] = [];
  const storage = storageAlarm(s);
  if (storage) alarms.push(storage);
  if (s.readers.some((r) => r.state !== 'connected')) alarms.push(ALARM_JA.readerGone);
  if (stale) alarms.push(ALARM_JA.listStale);
  if (!clockTrusted(judgeClock(s.now, clockBoundsOf(s.list)))) alarms.push(ALARM_JA.clockInvalid);
  return {
    listVersion: s.list.version,
    listAgeMinutes: s.list.appliedAt
      ? Math.max(0, Math.floor((s.now - Date.parse(s.list.appliedAt)) / 60_000))
      : null,
    listStale: stale,
    link: s.link,
    readers: s.readers.map((r) => ({ reader: r.reader, state: r.state })),
    alarms,
  };
}
