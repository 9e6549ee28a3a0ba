/**
 * Builds the input of a row of screen-texts.table.ts the way the bus does: a verdict screen from
 * a decision (device/display/screens.ts), a status line from the list and the readers
 * (device/daemon/status-line.ts).
 */
import { statusLine } from '../../../device/daemon/status-line.js';
import { foreignCardScreen, verdictScreen } from '../../../device/display/screens.js';
import type { Pass } from '../../../device/domain/pass.js';
import type { StatusLine, VerdictScreen } from '../../../hardware/ports/driver-display.js';
import { CARD_NUMBER, type StatusRow, VALID_UNTIL, type VerdictRow } from './screen-texts.table.js';

const NOW = Date.parse('2026-12-01T08:00:00+09:00');
const MINUTE = 60_000;

export function screenOf(r: VerdictRow): VerdictScreen {
  if (r.reason === 'not_icoca') return foreignCardScreen(r.reader);
  const pass: Pass | null = r.pass && {
    pass_id: 'P1',
    card_number: CARD_NUMBER,
    idm: '0114b3a1c2d3e4f5',
    kind: r.pass,
    issuer: 'matsue-city',
    operators: ['matsue-city'],
    valid_from: '2026-04-01',
    valid_until: VALID_UNTIL,
    fare_limit: r.pass === 'student_free' ? null : 240,
    area: r.pass === 'student_free' ? 'matsue' : null,
    status: 'active',
  };
  return verdictScreen({
    verdict: r.verdict,
    reason: r.reason,
    reader: r.reader,
    pass,
    fare: r.fare,
    excess: r.excess,
  });
}

export function statusOf(r: StatusRow): StatusLine {
  return statusLine({
    list: {
      version: r.version,
      count: 1,
      active: 1,
      changes: 0,
      appliedAt: r.version === null ? null : new Date(NOW - r.ageMinutes * MINUTE).toISOString(),
      expiresAt:
        r.expiresInMinutes === null ? null : new Date(NOW + r.expiresInMinutes * MINUTE).toISOString(),
      source: r.version === null ? null : 'sync',
    },
    // A clock set back reads earlier than the moment the list was applied.
    now: NOW - (r.clockBackMinutes ?? 0) * MINUTE,
    link: r.link,
    readers: r.readers.map((x) => ({ ...x, name: 'reader' })),
    recordFailing: r.recordFailing,
    storageLow: r.storageLow,
    ...(r.storage ? { storage: r.storage } : {}),
    ...(r.recordsOverflowing ? { recordsOverflowing: true } : {}),
  });
}
