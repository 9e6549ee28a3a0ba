/**
 * Plays a route's stops into a serial port as the bus's announcement controller would: one
 * `$STOP` line per stop, repeated every `repeatMs` while the bus is there (controllers repeat
 * so a late listener catches up), moving on every `intervalMs`.
 */
import { SerialPort } from 'serialport';
import { formatStopLine } from '../../hardware/serial/stop-line.js';

export interface PlayStopsOptions {
  readonly path: string;
  readonly route: string;
  readonly stops: readonly string[];
  readonly trip?: string | undefined;
  readonly intervalMs: number;
  /** Repeat the current stop this often while waiting; 0 = send each stop once. */
  readonly repeatMs?: number;
  /** Start again from the first stop after the last. */
  readonly loop?: boolean;
  readonly baud?: number;
  readonly signal?: AbortSignal;
  /** Called with each line sent (the CLI echoes them). */
  readonly onLine?: (line: string) => void;
}

/** Resolves when the last stop's interval ends (never with `loop`, until aborted). */
export async function playStops(opts: PlayStopsOptions): Promise<void> {
  if (opts.stops.length === 0) throw new RangeError('no stops to play');
  const lines = opts.stops.map((stop_id) =>
    formatStopLine({ route_id: opts.route, trip_id: opts.trip, stop_id }),
  );
  const port = new SerialPort({ path: opts.path, baudRate: opts.baud ?? 9600, autoOpen: false });
  port.on('error', () => {}); // write failures surface through the write callback below
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  try {
    do {
      for (const line of lines) {
        if (opts.signal?.aborted) return;
        const until = Date.now() + opts.intervalMs;
        do {
          await write(port, line);
          opts.onLine?.(line);
          const wait = Math.min(until - Date.now(), opts.repeatMs ? opts.repeatMs : Number.POSITIVE_INFINITY);
          if (!(await sleep(Math.max(0, wait), opts.signal))) return;
        } while (opts.repeatMs && Date.now() < until);
      }
    } while (opts.loop);
  } finally {
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

function write(port: SerialPort, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(line, 'latin1', (err) => {
      if (err) return reject(err);
      port.drain((e) => (e ? reject(e) : resolve()));
    });
  });
}

/** Sleeps `ms`; resolves false when aborted first. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
