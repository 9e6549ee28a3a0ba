/**
 * What `teiki run` tells systemd under `Type=notify` (systemd.service(5)): READY=1 once the daemon
 * has started (display opened, stores open, readers and stop source started), WATCHDOG=1 from the
 * tap loop's health while it runs (watchdog.ts), STOPPING=1 as soon as shutdown begins. Outside
 * systemd (NOTIFY_SOCKET unset) it does nothing but the watchdog test hook.
 */
import type { Logger } from '../log/logger.js';
import { SdNotify } from './sd-notify.js';
import { Watchdog } from './watchdog.js';
import { scheduleDebugStall } from './watchdog-stall.js';

const STOPPING_WAIT_MS = 2000;

/** The daemon as the watchdog sees it (Daemon.tapLoopProblem). */
export interface TapLoopProbe {
  tapLoopProblem(): string | null;
}

export interface ServiceNotifierOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly pid: number;
  readonly logger: Logger;
  /** systemd-notify by default (tests point it elsewhere). */
  readonly command?: string;
}

export class ServiceNotifier {
  readonly #notify: SdNotify;
  readonly #env: NodeJS.ProcessEnv;
  readonly #logger: Logger;
  #watchdog: Watchdog | null = null;
  #stopping: Promise<boolean> | null = null;

  constructor(opts: ServiceNotifierOptions) {
    this.#env = opts.env;
    this.#logger = opts.logger;
    this.#notify = new SdNotify(opts);
  }

  /** Call once `Daemon.start()` has resolved. Does nothing if shutdown has already begun. */
  async ready(daemon: TapLoopProbe): Promise<void> {
    if (this.#stopping) return;
    if (this.#notify.enabled) {
      await this.#notify.ready('taking taps');
      this.#startWatchdog(daemon);
    }
    scheduleDebugStall(this.#env, this.#logger);
  }

  /**
   * Stops the pings and sends STOPPING=1; idempotent. Resolves when the message was handed over,
   * or after STOPPING_WAIT_MS at most, so a slow helper never holds up the exit.
   */
  stopping(): Promise<boolean> {
    this.#watchdog?.stop();
    this.#stopping ??= Promise.race([
      this.#notify.stopping(),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOPPING_WAIT_MS).unref()),
    ]);
    return this.#stopping;
  }

  #startWatchdog(daemon: TapLoopProbe): void {
    const intervalMs = this.#notify.watchdogIntervalMs;
    // systemd arms the watchdog once start-up is complete (systemd.service(5), WatchdogSec=).
    if (intervalMs === null || this.#stopping || !this.#notify.enabled) return;
    this.#watchdog = new Watchdog({
      intervalMs,
      probe: () => daemon.tapLoopProblem(),
      ping: () => this.#notify.watchdog(),
      logger: this.#logger,
    });
    this.#watchdog.start();
  }
}
