import type { RuleSettings } from '../config/rules-schema.js';
import type { OpenTapOn } from './types.js';

/**
 * The open tap-on if it still counts: no older than max_ride_minutes. One from the future (a clock
 * stepped back) does not count either, so a wrong clock cannot block boarding for hours.
 */
export function liveTapOn(open: OpenTapOn | null, now: number, settings: RuleSettings): OpenTapOn | null {
  if (open === null) return null;
  const age = now - open.at;
  return age >= 0 && age < settings.max_ride_minutes * 60_000 ? open : null;
}
