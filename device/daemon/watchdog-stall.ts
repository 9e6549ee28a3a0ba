/**
 * A test hook for the watchdog: `TEIKI_DEBUG_STALL=<after_ms>:<for_ms>` blocks the event loop (and
 * so the tap loop) once, `after_ms` after start-up, for `for_ms`, the way a stuck synchronous call
 * would. test/integration/sd-notify.test.ts uses it to show that no WATCHDOG=1 leaves a stalled
 * daemon. Ignored under a real service manager (INVOCATION_ID is set, systemd.exec(5)), so a
 * stray variable in a unit's environment cannot freeze a bus.
 */
import type { Logger } from '../log/logger.js';

const SPEC = /^(\d{1,7}):(\d{1,7})$/;

export function scheduleDebugStall(env: NodeJS.ProcessEnv, logger: Logger): void {
  const spec = env.TEIKI_DEBUG_STALL;
  if (!spec) return;
  const log = logger.child({ component: 'watchdog' });
  const m = SPEC.exec(spec);
  if (!m || env.INVOCATION_ID) {
    log.warn({ TEIKI_DEBUG_STALL: spec }, 'debug stall ignored (bad value, or running as a service)');
    return;
  }
  const afterMs = Number(m[1]);
  const forMs = Number(m[2]);
  log.warn({ after_ms: afterMs, for_ms: forMs }, 'debug stall scheduled');
  setTimeout(() => {
    const from = Date.now();
    // Atomics.wait blocks this thread outright: no timer, I/O or tap runs until it returns.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, forMs);
    log.warn({ from, until: Date.now() }, 'debug stall ended');
  }, afterMs).unref();
}
