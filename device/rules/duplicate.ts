import type { RuleSettings } from '../config/rules-schema.js';
import type { LastTap, ReaderRole } from './types.js';

/**
 * Same card on the same reader within duplicate_window_s (DESIGN.md "duplicate"). A last tap from
 * the future (clock stepped back) is not a duplicate: better to judge a tap twice than to swallow it.
 */
export function isDuplicate(
  last: LastTap | undefined,
  idm: string,
  reader: ReaderRole,
  now: number,
  settings: RuleSettings,
): boolean {
  if (last === undefined || last.idm !== idm || last.reader !== reader) return false;
  const age = now - last.at;
  return age >= 0 && age < settings.duplicate_window_s * 1000;
}
