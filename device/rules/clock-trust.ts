/**
 * Can the wall clock be trusted for this tap? Pure: the clock reading and the bounds are inputs.
 *
 * The bus never trusts a clock earlier than the newest list it accepted (the list's applied time
 * is a floor, less a small tolerance for an NTP step), nor one far beyond that list's expiry (its
 * horizon). A clock outside [floor, horizon] is `before_floor` or `beyond_horizon`, and every
 * tap is then `attention` / `clock_invalid`: pass dates, ride ages and tombstones all depend on
 * the date, so no pass may be accepted or refused on it. `unchecked`: no bounds known (no list
 * yet, replay), the clock is taken as it is.
 */
export const CLOCK_STATES = ['ok', 'unchecked', 'before_floor', 'beyond_horizon'] as const;
export type ClockState = (typeof CLOCK_STATES)[number];

export interface ClockBounds {
  /** Epoch ms: a clock reading earlier than this is wrong. null: no floor known. */
  readonly floor: number | null;
  /** Epoch ms: a clock reading later than this is wrong. null: no horizon known. */
  readonly horizon: number | null;
}

export const NO_CLOCK_BOUNDS: ClockBounds = { floor: null, horizon: null };

/** How far before a list's applied time the clock may still read (an NTP correction after it). */
export const CLOCK_FLOOR_TOLERANCE_MS = 10 * 60_000;
/**
 * How far past a depot list's expiry the clock may still read. A list is refreshed daily and valid
 * at most 31 days; a bus still on it this long after its expiry has a wrong clock, not a stale list.
 */
export const CLOCK_HORIZON_AFTER_EXPIRY_MS = 31 * 24 * 3600_000;

export interface ListTimes {
  /** ISO time the list in force was applied on this bus (ListInfo.appliedAt). */
  readonly appliedAt: string | null;
  /** ISO expiry of the depot list in force (ListInfo.expiresAt); null for a local import. */
  readonly expiresAt: string | null;
}

function parseTime(iso: string | null): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

/** The bounds implied by the list in force. */
export function clockBoundsOf(list: ListTimes | null): ClockBounds {
  if (list === null) return NO_CLOCK_BOUNDS;
  const applied = parseTime(list.appliedAt);
  const expires = parseTime(list.expiresAt);
  return {
    floor: applied === null ? null : applied - CLOCK_FLOOR_TOLERANCE_MS,
    horizon: expires === null ? null : expires + CLOCK_HORIZON_AFTER_EXPIRY_MS,
  };
}

export function judgeClock(now: number, bounds: ClockBounds): ClockState {
  if (!Number.isFinite(now)) return 'before_floor';
  if (bounds.floor === null && bounds.horizon === null) return 'unchecked';
  if (bounds.floor !== null && now < bounds.floor) return 'before_floor';
  if (bounds.horizon !== null && now > bounds.horizon) return 'beyond_horizon';
  return 'ok';
}

export function clockTrusted(state: ClockState): boolean {
  return state === 'ok' || state === 'unchecked';
}
