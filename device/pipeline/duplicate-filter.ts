/**
 * Remembers the last decided tap of each card on each reader, with the screen it produced, so a
 * duplicate (same card, same reader, within duplicate_window_s) repeats it and records nothing.
 * Entries older than the window are swept, so memory stays bounded by the taps of a few seconds.
 */
import type { VerdictScreen } from '../../hardware/ports/driver-display.js';
import type { RuleSettings } from '../config/rules-schema.js';
import { isDuplicate } from '../rules/index.js';
import type { LastTap, ReaderRole } from '../rules/types.js';

interface Entry {
  readonly last: LastTap;
  readonly screen: VerdictScreen;
}

export class DuplicateFilter {
  readonly #entries = new Map<string, Entry>();
  #lastSweep = 0;

  /** The screen to repeat when this tap is a duplicate, else undefined. */
  check(idm: string, reader: ReaderRole, now: number, settings: RuleSettings): VerdictScreen | undefined {
    this.#sweep(now, settings);
    const entry = this.#entries.get(`${reader}:${idm}`);
    if (entry && isDuplicate(entry.last, idm, reader, now, settings)) return entry.screen;
    return undefined;
  }

  remember(idm: string, reader: ReaderRole, at: number, screen: VerdictScreen): void {
    this.#entries.set(`${reader}:${idm}`, { last: { idm, reader, at }, screen });
  }

  #sweep(now: number, settings: RuleSettings): void {
    const windowMs = settings.duplicate_window_s * 1000;
    if (now - this.#lastSweep < windowMs && this.#entries.size < 1024) return;
    this.#lastSweep = now;
    for (const [key, e] of this.#entries) {
      if (now - e.last.at >= windowMs || now < e.last.at) this.#entries.delete(key);
    }
  }
}
