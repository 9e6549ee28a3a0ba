/**
 * Progress of long commands (`passes import`, `depot publish`, …) on stderr, where it is read:
 * on a terminal a bar per stage with its totals (cli-progress, redrawn in place, at most 5 times
 * a second); through a pipe or journald one line per stage with its count, written when the
 * stage ends (`teiki: rows read: 1,000,000`), so a log gets a few plain lines and no escape codes.
 * stdout stays for the command's JSON.
 */
import cliProgress from 'cli-progress';

/** The part of a stream progress writes to (process.stderr, or a test's stand-in). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

export interface Progress {
  /** True when drawing bars (a terminal): worth estimating totals for. */
  readonly tty: boolean;
  /**
   * `stage` has got to `done` (of `total`, when known). A new stage name ends the stage before;
   * a total may be an estimate (it grows to `done` when passed, and is `done` at the end).
   */
  update(stage: string, done: number, total?: number): void;
  /** Ends the current stage: its line off a terminal, its finished bar on one. Idempotent. */
  end(): void;
  /**
   * Stops without reporting the stage in progress (for `finally`, after a failure: the error is
   * the one line to read). A no-op after `end()`.
   */
  stop(): void;
}

const BAR_SIZE = 30;
const n = (v: number) => Math.round(v).toLocaleString('en-US');

/** The progress reporter for `stream` (default stderr), drawing bars only if it is a terminal. */
export function createProgress(opts: { stream?: ProgressStream; tty?: boolean } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? stream.isTTY === true;
  return tty ? new BarProgress(stream) : new LineProgress(stream);
}

interface Stage {
  name: string;
  done: number;
  total: number | undefined;
}

/** Off a terminal: one line per stage, when it ends. */
class LineProgress implements Progress {
  readonly tty = false;
  readonly #stream: ProgressStream;
  #stage: Stage | null = null;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  update(stage: string, done: number, total?: number): void {
    if (this.#stage && this.#stage.name !== stage) this.end();
    this.#stage = { name: stage, done, total: total ?? this.#stage?.total };
  }

  end(): void {
    const s = this.#stage;
    this.#stage = null;
    if (!s) return;
    this.#stream.write(`teiki: ${s.name}: ${n(s.done)}\n`);
  }

  stop(): void {
    this.#stage = null;
  }
}

type Payload = { stage: string; known: boolean };

/** `rows read [##########--------------------] 33% 333,000/1,000,000`; `chunks sent: 12` without a total. */
const format: cliProgress.GenericFormatter = (_options, params, payload: Payload) => {
  if (!payload.known) return `${payload.stage}: ${n(params.value)}`;
  const share = Math.min(1, Math.max(0, params.progress));
  const filled = Math.round(share * BAR_SIZE);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_SIZE - filled)}`;
  return `${payload.stage} [${bar}] ${Math.floor(share * 100)}% ${n(params.value)}/${n(params.total)}`;
};

/** On a terminal: a cli-progress bar per stage, each left on screen finished when the next starts. */
class BarProgress implements Progress {
  readonly tty = true;
  readonly #stream: ProgressStream;
  #bar: cliProgress.SingleBar | null = null;
  #stage: Stage | null = null;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  update(stage: string, done: number, total?: number): void {
    if (this.#stage && this.#stage.name !== stage) this.end();
    if (!this.#stage || !this.#bar) {
      this.#stage = { name: stage, done, total };
      this.#bar = new cliProgress.SingleBar({
        stream: this.#stream as NodeJS.WritableStream,
        format,
        fps: 5,
        barsize: BAR_SIZE,
        hideCursor: false,
        // Our commands stop through their own shutdown path; the bar must not hold signals.
        gracefulExit: false,
        clearOnComplete: false,
        linewrap: true,
      });
      this.#bar.start(total ?? 0, done, { stage, known: total !== undefined } satisfies Payload);
      return;
    }
    const s = this.#stage;
    s.done = done;
    if (total !== undefined) s.total = total;
    if (s.total !== undefined && done > s.total) s.total = done;
    if (s.total !== undefined) this.#bar.setTotal(s.total);
    this.#bar.update(done, { stage, known: s.total !== undefined } satisfies Payload);
  }

  end(): void {
    const bar = this.#bar;
    const s = this.#stage;
    this.#bar = null;
    this.#stage = null;
    if (!bar || !s) return;
    // A finished stage shows its real count as the total: an estimate is corrected here.
    if (s.total !== undefined) bar.setTotal(s.done);
    bar.stop();
  }

  stop(): void {
    // The bar stays where it stopped, so the person sees how far it got before the error.
    this.#bar?.stop();
    this.#bar = null;
    this.#stage = null;
  }
}
