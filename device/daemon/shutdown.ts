/**
 * One shutdown path (STYLE.md #8): steps run once, in order, each bounded by what is left of a
 * shared deadline. Calling `run()` again returns the same promise.
 */
import type { Logger } from '../log/logger.js';

export interface ShutdownStep {
  readonly name: string;
  run(): Promise<void> | void;
  /** Runs even after the deadline (closing a database: synchronous, and losing it costs data). */
  readonly always?: boolean;
}

export class Shutdown {
  readonly #steps: ShutdownStep[] = [];
  readonly #log: Logger;
  #running: Promise<boolean> | null = null;

  constructor(logger: Logger) {
    this.#log = logger.child({ component: 'shutdown' });
  }

  /** Steps run in the order they were added. */
  add(name: string, run: ShutdownStep['run'], opts: { always?: boolean } = {}): void {
    this.#steps.push({ name, run, always: opts.always === true });
  }

  get started(): boolean {
    return this.#running !== null;
  }

  /** Resolves true when every step finished before the deadline. */
  run(reason: string, deadlineMs: number): Promise<boolean> {
    this.#running ??= this.#runSteps(reason, deadlineMs);
    return this.#running;
  }

  async #runSteps(reason: string, deadlineMs: number): Promise<boolean> {
    const end = Date.now() + deadlineMs;
    this.#log.info({ reason }, 'shutting down');
    let clean = true;
    for (const step of this.#steps) {
      const left = end - Date.now();
      if (left <= 0 && step.always) {
        try {
          await step.run();
        } catch (err) {
          this.#log.error({ step: step.name, err }, 'shutdown step failed');
        }
        clean = false;
        continue;
      }
      if (left <= 0) {
        this.#log.error({ step: step.name }, 'shutdown deadline passed; skipping');
        clean = false;
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        const outcome = await Promise.race([
          Promise.resolve()
            .then(() => step.run())
            .then(() => 'done' as const),
          new Promise<'timeout'>((r) => {
            timer = setTimeout(() => r('timeout'), left);
          }),
        ]);
        if (outcome === 'timeout') {
          this.#log.error({ step: step.name }, 'shutdown step timed out');
          clean = false;
        }
      } catch (err) {
        this.#log.error({ step: step.name, err }, 'shutdown step failed');
        clean = false;
      } finally {
        clearTimeout(timer);
      }
    }
    return clean;
  }
}
