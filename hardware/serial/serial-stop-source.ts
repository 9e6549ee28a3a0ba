/**
 * StopSource over the announcement controller's serial line (protocol in stop-line.ts and
 * hardware/README.md). Bad lines are counted, logged and ignored: the last good stop stays
 * current. A lost port keeps the last stop too, is reported once, and is reopened with capped
 * back-off.
 */
import type { Clock } from '../ports/clock.js';
import type { CurrentStop, StopObserver, StopSource } from '../ports/stop-source.js';
import type { BackoffOptions } from './backoff.js';
import { type SerialLogger, silentSerialLogger } from './logger.js';
import { SerialLink } from './serial-link.js';
import { parseStopLine, type StopLineError, StopLineSplitter } from './stop-line.js';

export interface SerialStopSourceOptions {
  readonly path: string;
  readonly baud: number;
  readonly clock: Clock;
  readonly logger?: SerialLogger | undefined;
  /** Reopen delays; default 250 ms doubling to 10 s. */
  readonly reconnect?: BackoffOptions | undefined;
}

/** A line from the controller was refused. Reported once per run of bad lines, not per line. */
export class BadStopLineError extends Error {
  override readonly name = 'BadStopLineError';
  readonly reason: StopLineError;
  constructor(reason: StopLineError) {
    super(`stop source: ignored a bad line from the announcement controller (${reason})`);
    this.reason = reason;
  }
}

export interface StopSourceStats {
  readonly good: number;
  readonly bad: Readonly<Partial<Record<StopLineError, number>>>;
}

const DEVICE = 'stop-source';

export class SerialStopSource implements StopSource {
  readonly #opts: SerialStopSourceOptions;
  readonly #log: SerialLogger;
  readonly #observers = new Set<StopObserver>();
  #link: SerialLink | null = null;
  #splitter = new StopLineSplitter();
  #current: CurrentStop | null = null;
  #good = 0;
  readonly #bad: Partial<Record<StopLineError, number>> = {};
  /** Bad lines since the last good one; only the first of a run is reported. */
  #badRun = 0;

  constructor(opts: SerialStopSourceOptions) {
    this.#opts = opts;
    this.#log = opts.logger ?? silentSerialLogger;
  }

  current(): CurrentStop | null {
    return this.#current;
  }

  stats(): StopSourceStats {
    return { good: this.#good, bad: { ...this.#bad } };
  }

  subscribe(observer: StopObserver): () => void {
    if (typeof observer?.onStop !== 'function' || typeof observer.onError !== 'function') {
      throw new TypeError('observer needs onStop and onError handlers');
    }
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Opens the port; rejects (DeviceIoError) when the path is missing. A second call is a no-op. */
  async start(): Promise<void> {
    if (this.#link) return;
    this.#splitter = new StopLineSplitter();
    const link = new SerialLink(
      {
        path: this.#opts.path,
        baud: this.#opts.baud,
        device: DEVICE,
        backoff: this.#opts.reconnect,
        logger: this.#log,
      },
      {
        onData: (chunk) => this.#onData(chunk),
        onOpen: () => this.#log.info({ path: this.#opts.path }, 'stop source port open'),
        onDown: (err) => {
          // A partial line from before the loss must not glue onto the first line after it.
          this.#splitter = new StopLineSplitter();
          this.#report(err);
        },
      },
    );
    this.#link = link;
    try {
      await link.open();
    } catch (err) {
      this.#link = null;
      throw err;
    }
  }

  /** Closes the port; the last stop stays readable. Safe to call twice. */
  async stop(): Promise<void> {
    const link = this.#link;
    this.#link = null;
    if (link) await link.close();
  }

  #onData(chunk: Buffer): void {
    for (const item of this.#splitter.push(chunk)) {
      const result = 'line' in item ? parseStopLine(item.line) : ({ ok: false, reason: 'too_long' } as const);
      if (!result.ok) {
        this.#refuse(result.reason, 'line' in item ? item.line : '');
        continue;
      }
      this.#good++;
      if (this.#badRun > 0) this.#log.info({ ignored: this.#badRun }, 'stop source: good lines again');
      this.#badRun = 0;
      const { route_id, trip_id, stop_id } = result.stop;
      const c = this.#current;
      // Controllers repeat the current stop; only a change is news.
      if (c && c.route_id === route_id && c.trip_id === trip_id && c.stop_id === stop_id) continue;
      this.#current = { route_id, trip_id, stop_id, at: this.#opts.clock.now() };
      for (const o of this.#observers) this.#call(() => o.onStop(this.#current!));
    }
  }

  #refuse(reason: StopLineError, line: string): void {
    this.#bad[reason] = (this.#bad[reason] ?? 0) + 1;
    this.#badRun++;
    // Line noise can make many bad lines a second: warn and report the first of a run only.
    const sample = JSON.stringify(line.slice(0, 80));
    if (this.#badRun > 1) {
      this.#log.debug({ reason, line: sample }, 'stop source: bad line ignored');
      return;
    }
    this.#log.warn({ reason, line: sample }, 'stop source: bad line ignored');
    this.#report(new BadStopLineError(reason));
  }

  #report(error: Error): void {
    if (!(error instanceof BadStopLineError)) this.#log.warn({ err: error.message }, 'stop source problem');
    for (const o of this.#observers) this.#call(() => o.onError(error));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#log.error({ err: (e as Error).message }, 'stop observer threw');
    }
  }
}
