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
