/**
 * The console driver: a CardReader and a StopSource fed by text lines (line-commands.ts) from a
 * readable stream, usually the daemon's stdin. For bench work at a desk and for tests of
 * `teiki run` without hardware. Bad lines are reported through onError and ignored.
 */
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { CardReader, CardReaderObserver, ReaderHealth, ReaderRole } from '../ports/card-reader.js';
import type { Clock } from '../ports/clock.js';
import type { CurrentStop, StopObserver, StopSource } from '../ports/stop-source.js';
import { parseLine } from './line-commands.js';

/** The ATR a FeliCa card gives through PC/SC part 3 (DOMAIN.md), used for console taps. */
const FELICA_ATR = '3B8F8001804F0CA00000030611003B0000000042';
const FOREIGN_ATR = '3B8F8001804F0CA000000306030001000000006A';

export class LineConsole {
  readonly reader: CardReader;
  readonly stops: StopSource;
  readonly #input: Readable;
  readonly #clock: Clock;
  readonly #roles: readonly ReaderRole[];
  readonly #readerObservers = new Set<CardReaderObserver>();
  readonly #stopObservers = new Set<StopObserver>();
  #rl: Interface | null = null;
  #readerOn = false;
  #stopsOn = false;
  #current: CurrentStop | null = null;

  constructor(input: Readable, clock: Clock, roles: readonly ReaderRole[]) {
    this.#input = input;
    this.#clock = clock;
    this.#roles = roles;
    this.reader = {
      subscribe: (o) => subscribe(this.#readerObservers, o),
      start: async () => {
        this.#readerOn = true;
        this.#open();
        for (const h of this.reader.health()) for (const o of this.#readerObservers) o.onHealth(h);
      },
      stop: async () => {
        this.#readerOn = false;
        this.#closeIfIdle();
      },
      health: () =>
        this.#roles.map(
          (reader): ReaderHealth => ({
            reader,
            name: 'console',
            state: this.#readerOn ? 'connected' : 'disconnected',
          }),
        ),
    };
    this.stops = {
      current: () => this.#current,
      subscribe: (o) => subscribe(this.#stopObservers, o),
      start: async () => {
        this.#stopsOn = true;
        this.#open();
      },
      stop: async () => {
        this.#stopsOn = false;
        this.#closeIfIdle();
      },
    };
  }

  #open(): void {
    if (this.#rl) return;
    this.#rl = createInterface({ input: this.#input, crlfDelay: Number.POSITIVE_INFINITY });
    this.#rl.on('line', (line) => this.#onLine(line));
    // stdin closing (EOF) is not an error: the daemon keeps running on its other inputs.
    this.#input.on('error', (err) => this.#error(err));
  }

  #closeIfIdle(): void {
    if (!this.#readerOn && !this.#stopsOn && this.#rl) {
      this.#rl.close();
      this.#rl = null;
    }
  }

  #onLine(line: string): void {
    const cmd = parseLine(line);
    const now = this.#clock.now();
    switch (cmd.kind) {
      case 'empty':
        return;
      case 'error':
        this.#error(new Error(`console: ${cmd.message}`));
        return;
      case 'tap':
      case 'foreign': {
        if (!this.#readerOn || !this.#roles.includes(cmd.reader)) {
          this.#error(new Error(`console: no ${cmd.reader} reader configured`));
          return;
        }
        const event =
          cmd.kind === 'tap'
            ? { type: 'felica' as const, idm: cmd.idm, atr: FELICA_ATR, reader: cmd.reader, detectedAt: now }
            : { type: 'foreign' as const, atr: FOREIGN_ATR, reader: cmd.reader, detectedAt: now };
        for (const o of this.#readerObservers) o.onCard(event);
        return;
      }
      case 'stop': {
        if (!this.#stopsOn) return;
        this.#current = { route_id: cmd.route, stop_id: cmd.stop, trip_id: cmd.trip, at: now };
        for (const o of this.#stopObservers) o.onStop(this.#current);
        return;
      }
      default:
        cmd satisfies never;
        return;
    }
  }

  #error(err: Error): void {
    for (const o of this.#readerObservers) o.onError(err);
    if (this.#readerObservers.size === 0) for (const o of this.#stopObservers) o.onError(err);
  }
}

function subscribe<T>(set: Set<T>, o: T): () => void {
  set.add(o);
  return () => set.delete(o);
}
