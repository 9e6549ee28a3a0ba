import type { Clock } from './ports/clock.js';

/** The real clock. Issue 7 adds trust checks (never earlier than the newest accepted list). */
export const systemClock: Clock = { now: () => Date.now() };
