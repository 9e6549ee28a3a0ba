/**
 * Calendar days in Asia/Tokyo (DESIGN.md rule 1). Japan has kept UTC+9 all year since 1952 (no
 * daylight saving), so a fixed offset gives the Tokyo day without depending on the process TZ or
 * on the ICU data a small image may lack.
 */
export const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The Asia/Tokyo calendar day `YYYY-MM-DD` of an instant (epoch ms). */
export function jstDate(epochMs: number): string {
  const d = new Date(epochMs + JST_OFFSET_MS);
  // A bad instant must not turn into the string "NaN-NaN-NaN", which compares as a date.
  if (Number.isNaN(d.getTime())) throw new RangeError(`jstDate: not a valid instant: ${epochMs}`);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/**
 * `YYYY-MM-DD` naming a real day (2026-02-30 does not). Hand-written: the sales-export schema
 * runs it twice per row, a million rows at a time. The one calendar check of the code base.
 */
export function isCalendarDate(v: string): boolean {
  if (v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false;
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 2);
  const d = digits(v, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1) return false;
  const days = mo === 2 ? (isLeap(y) ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  return d <= days;
}

/** The number written by `len` ASCII digits at `at`, or -1. */
function digits(v: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const ISO_TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Why `v` is not an ISO 8601 time with an offset naming a real instant, or null when it is
 * (`2026-04-01T07:58:05+09:00`; seconds and fractions optional; `Z` or ±HH:MM). `Date.parse`
 * alone takes `2026-02-30` for 2 March and `24:00` for the next midnight (issue 12 point 7), so
 * the calendar day, the hour (00-23), minute and second (00-59) and the offset (at most 14:00,
 * the widest in use) are checked here, once, for every schema that takes a time.
 */
export function timestampProblem(v: string): string | null {
  const m = ISO_TIMESTAMP.exec(v);
  if (!m) return 'must be an ISO 8601 time with an offset, e.g. 2026-04-01T07:58:05+09:00';
  const [, date, hh, mi, ss, oh, om] = m;
  if (!isCalendarDate(date as string)) return `${date} is not a calendar day`;
  if (Number(hh) > 23) return `hour ${hh} is not 00-23`;
  if (Number(mi) > 59) return `minute ${mi} is not 00-59`;
  if (ss !== undefined && Number(ss) > 59) return `second ${ss} is not 00-59`;
  if (oh !== undefined && (Number(om) > 59 || Number(oh) * 60 + Number(om) > 14 * 60))
    return `offset ${v.slice(-6)} is not a UTC offset (at most ±14:00)`;
  return null;
}

export function isIsoTimestamp(v: string): boolean {
  return timestampProblem(v) === null;
}
