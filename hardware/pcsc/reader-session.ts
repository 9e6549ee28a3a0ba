/**
 * One PC/SC reader seen through nfc-pcsc: the per-reader loop of the adapter, as an explicit
 * state machine (STYLE.md #3, after Keyple's observable reader):
 *
 *   waiting-card ──card──▶ reading ──IDm / failure / timeout──▶ waiting-removal ──card.off──▶ waiting-card
 *        ▲                    │ card.off during the read: finish the read, then waiting-card │
 *        └────────────────────┴──────────────────────────────────────────────────────────────┘
 *   any ──close / end──▶ closed
 *
 * A 'card' event is accepted in every open state: nfc-pcsc emits it only on a PRESENT transition
 * (src/Reader.js:169), so it always means a new presentation, even if a card.off was missed.
 * Reads carry a sequence number; a result that arrives after its timeout or after a newer card is
 * dropped. The session holds no business rules: it reports what the card said.
 */
import type { CardEvent, ReaderRole } from '../ports/card-reader.js';
import type { Clock } from '../ports/clock.js';
import { CardRemovedError } from '../ports/errors.js';
import { atrHex, isFelicaAtr } from './atr.js';
import { CardReadError } from './errors.js';
import { GET_DATA_RESPONSE_MAX, GET_DATA_UID, type GetDataResult, parseGetDataResponse } from './get-data.js';
import { errFields, type PcscLogger } from './logger.js';
import { NativeCalls } from './native-calls.js';
import type { NativeStatus, NfcCard, NfcReader } from './nfc-pcsc.js';

/** pcsclite.h: SCARD_STATE_PRESENT. */
const SCARD_STATE_PRESENT = 0x20;

export type SessionState = 'waiting-card' | 'reading' | 'waiting-removal' | 'closed';

type ReadOutcome =
  | GetDataResult
  | { readonly kind: 'failed'; readonly cause: unknown }
  | { readonly kind: 'timeout' };

export interface SessionSink {
  /** The role this reader plays now; null when it is unbound (then no card is read). */
  role(): ReaderRole | null;
  card(event: CardEvent): void;
  error(err: Error): void;
  /** The reader's native status watcher died (not an unplug): the PC/SC context must be recreated. */
  watcherFailed(err: Error): void;
  /** The reader is gone from this PC/SC context (unplugged, or the context is closing). */
  ended(): void;
}

export interface SessionOptions {
  readonly reader: NfcReader;
  readonly clock: Clock;
  readonly readTimeoutMs: number;
  readonly log: PcscLogger;
  readonly sink: SessionSink;
}

export class ReaderSession {
  readonly name: string;
  readonly #reader: NfcReader;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #log: PcscLogger;
  readonly #sink: SessionSink;
  #state: SessionState = 'waiting-card';
  #seq = 0;
  #timer: NodeJS.Timeout | null = null;
  #removedDuringRead = false;
  /** The last dwEventState the native reader reported; null before the first. */
  #nativeState: number | null = null;
  /** The next read must connect again first: the connection nfc-pcsc holds is a previous card's. */
  #staleConnection = false;
  /** The latest disconnect (nfc-pcsc's or ours), settled or not. */
  #disconnecting: Promise<void> = Promise.resolve();
  readonly #native: NativeCalls;

  constructor(o: SessionOptions) {
    this.#reader = o.reader;
    this.name = o.reader.name;
    this.#clock = o.clock;
    this.#timeoutMs = o.readTimeoutMs;
    this.#log = o.log;
    this.#sink = o.sink;
    this.#native = new NativeCalls(() => {
      try {
        this.#reader.close();
      } catch (err) {
        this.#log.debug({ reader: this.name, ...errFields(err) }, 'reader close');
      }
    });

    // With autoProcessing (the default) nfc-pcsc sends its own GET DATA or SELECT and emits
    // errors for phones and EMV cards (src/Reader.js:187-192, 737-739); we read the IDm ourselves.
    this.#reader.autoProcessing = false;

    // nfc-pcsc reports connect and disconnect failures with `this.emit(err)` (src/Reader.js:164
    // and :196): the Error object becomes the event *name*, so no listener ever hears it and a
    // failed connect silently produces no 'card' event. Route such emits to us.
    const emit = this.#reader.emit.bind(this.#reader);
    this.#reader.emit = (event: unknown, ...args: unknown[]): boolean => {
      if (typeof event === 'string' || typeof event === 'symbol') return emit(event, ...args);
      this.#onSwallowedError(event);
      return true;
    };

    // nfc-pcsc disconnects after a removal in a status handler nobody awaits (src/Reader.js:148-160);
    // remember that call, so a card that arrives before it settles can wait for it (#connectAgain).
    const disconnect = this.#reader.disconnect.bind(this.#reader);
    this.#reader.disconnect = (): Promise<boolean> => {
      const op = disconnect(); // may throw synchronously: no connection
      this.#disconnecting = op.then(
        () => undefined,
        () => undefined,
      );
      return op;
    };

    // Registered after nfc-pcsc's own listener, so it runs after nfc-pcsc has seen the status.
    this.#reader.reader.on('status', (status) => this.#onNativeStatus(status));
    this.#reader.on('card', (card) => this.#onCard(card));
    this.#reader.on('card.off', () => this.#onCardOff());
    // Every emitter gets an error listener: nfc-pcsc re-emits the native reader's errors
    // (src/Reader.js:128-134); unheard, 'error' would throw from a native callback.
    this.#reader.on('error', (err) => this.#onReaderError(err));
    this.#reader.on('end', () => this.#onEnd());
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Stops reading at once; the native reader closes once its calls have settled (native-calls.ts). */
  close(): void {
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.#clearTimer();
    }
    this.#native.closeWhenIdle();
  }

  /** Resolves true once the native reader is closed (after close()), false after `deadlineMs`. */
  closed(deadlineMs: number): Promise<boolean> {
    return this.#native.closed(deadlineMs);
  }

  #onCard(card: NfcCard): void {
    switch (this.#state) {
      case 'closed':
        return;
      case 'reading':
        this.#log.debug(
          { reader: this.name },
          'new card before the previous read finished; dropping that read',
        );
        this.#clearTimer();
        this.#begin(card);
        return;
      case 'waiting-card':
      case 'waiting-removal':
        this.#begin(card);
        return;
      default:
        unreachable(this.#state);
    }
  }

  /**
   * A card swapped between two status reports. @pokusew/pcsclite's status thread hands each
   * SCardGetStatusChange result to JavaScript through one uv_async handle and one shared result
   * (src/cardreader.cpp:400-424): when a removal and the next insertion both come before the
   * event loop runs the callback, JavaScript sees only the last state, PRESENT again. nfc-pcsc
   * compares the PRESENT/EMPTY bits only (src/Reader.js:137-147), so it reports nothing and the
   * new card would sit on the reader unread (issue 7, found by reader-chaos-vpcd.test.ts).
   * pcsc-lite counts card events in the upper 16 bits of dwEventState (winscard.c,
   * SCardGetStatusChange): PRESENT before and after with another count is a new card.
   */
  #onNativeStatus(status: NativeStatus): void {
    const before = this.#nativeState;
    this.#nativeState = status.state;
    if (before === null || this.#state === 'closed') return;
    const present = (st: number) => (st & SCARD_STATE_PRESENT) !== 0;
    if (!present(before) || !present(status.state) || before >>> 16 === status.state >>> 16) return;
    this.#log.debug({ reader: this.name }, 'card swapped between two status reports; reading the new one');
    this.#onCardOff();
    this.#staleConnection = true;
    this.#onCard(status.atr ? { atr: status.atr } : {});
  }

  #onCardOff(): void {
    switch (this.#state) {
      case 'closed':
      case 'waiting-card':
        return;
      case 'reading':
        // The transmit settles on its own (answer or error); then we wait for the next card.
        this.#removedDuringRead = true;
        return;
      case 'waiting-removal':
        this.#state = 'waiting-card';
        return;
      default:
        unreachable(this.#state);
    }
  }

  #begin(card: NfcCard): void {
    const stale = this.#staleConnection;
    this.#staleConnection = false;
    const detectedAt = this.#clock.now();
    const role = this.#sink.role();
    const atr = card.atr;
    if (!atr || atr.length === 0) {
      // The card left while connect() was in flight: the removal handler cleared `this.card`
      // before connect resolved, and nfc-pcsc then emits 'card' with `{ ...null }`
      // (src/Reader.js:151-160 vs :185-188) and keeps the new connection. The native reader's
      // `connected` flag would then make the next connect skip SCardConnect (lib/pcsclite.js:123-127),
      // breaking every later card on this reader: release the connection.
      this.#releaseConnection();
      this.#state = 'waiting-card';
      if (role) this.#sink.error(new CardRemovedError(role, 'card removed while connecting'));
      return;
    }
    if (role === null) {
      this.#log.debug({ reader: this.name }, 'card on a reader with no role; not read');
      this.#state = 'waiting-removal';
      return;
    }
    if (!isFelicaAtr(atr)) {
      this.#state = 'waiting-removal';
      this.#sink.card({ type: 'foreign', atr: atrHex(atr), reader: role, detectedAt });
      return;
    }
    const seq = ++this.#seq;
    this.#state = 'reading';
    this.#removedDuringRead = false;
    this.#timer = setTimeout(() => this.#finish(seq, atr, detectedAt, { kind: 'timeout' }), this.#timeoutMs);
    const op =
      this.#hasProtocol() && !stale
        ? this.#transmit(GET_DATA_UID, GET_DATA_RESPONSE_MAX)
        : this.#connectAgain(stale).then(() => this.#transmit(GET_DATA_UID, GET_DATA_RESPONSE_MAX));
    op.then(
      (response) => this.#finish(seq, atr, detectedAt, parseGetDataResponse(response)),
      (cause: unknown) => this.#finish(seq, atr, detectedAt, { kind: 'failed', cause }),
    );
  }

  #finish(seq: number, atr: Buffer, detectedAt: number, outcome: ReadOutcome): void {
    if (seq !== this.#seq || this.#state !== 'reading') {
      this.#log.debug({ reader: this.name, outcome: outcome.kind }, 'late read result dropped');
      return;
    }
    this.#clearTimer();
    this.#state = this.#removedDuringRead ? 'waiting-card' : 'waiting-removal';
    const role = this.#sink.role();
    if (role === null) return;
    switch (outcome.kind) {
      case 'idm':
        this.#sink.card({ type: 'felica', idm: outcome.idm, atr: atrHex(atr), reader: role, detectedAt });
        return;
      case 'status':
        this.#sink.error(
          new CardReadError(role, 'status', `card answered GET DATA with status ${outcome.sw}`, outcome.sw),
        );
        return;
      case 'malformed':
        this.#sink.error(
          new CardReadError(role, 'malformed', `GET DATA answer of ${outcome.length} bytes is not an IDm`),
        );
        return;
      case 'failed':
        this.#log.debug({ reader: this.name, ...errFields(outcome.cause) }, 'GET DATA failed');
        // On a contactless reader a failed exchange is, in practice, a card taken away mid-read.
        this.#sink.error(
          new CardRemovedError(role, 'card removed before the read finished', { cause: outcome.cause }),
        );
        return;
      case 'empty':
        this.#sink.error(new CardRemovedError(role, 'card removed before the read finished (empty answer)'));
        return;
      case 'timeout':
        // The native call may stay blocked (vpcd waits for its card without a timeout); it is
        // tracked in #native and its late result dropped by the sequence check above.
        this.#sink.error(
          new CardReadError(role, 'timeout', `card did not answer within ${this.#timeoutMs} ms`),
        );
        return;
      default:
        unreachable(outcome);
    }
  }

  #hasProtocol(): boolean {
    return typeof this.#reader.connection?.protocol === 'number';
  }

  /**
   * The 'card' came with a connection pcsclite never made. nfc-pcsc handles each status change
   * in an async handler that nobody awaits (src/Reader.js:120-172): a card that arrives while the
   * previous card's disconnect is still in flight finds the native reader still `connected`, so
   * @pokusew/pcsclite's connect() skips SCardConnect and calls back with no protocol
   * (lib/pcsclite.js:123-127). nfc-pcsc stores `{ protocol: undefined }` and emits 'card', the
   * pending disconnect then clears that connection, and a transmit fails with "Third argument must
   * be an integer": the card on the reader would never be read (issue 7, found by
   * test/reliability/reader-chaos-vpcd.test.ts). So: let that disconnect finish (or release a
   * stale connection whose disconnect failed), then connect for real. All within the read timeout.
   * `stale`: a swapped card (#onNativeStatus); the connection is the previous card's handle.
   */
  async #connectAgain(stale: boolean): Promise<void> {
    this.#log.debug({ reader: this.name, stale }, 'card came without its own PC/SC connection; connecting');
    await this.#disconnecting;
    if (this.#reader.connection && (stale || !this.#hasProtocol())) {
      this.#releaseConnection();
      await this.#disconnecting;
    }
    const connecting = this.#reader.connect();
    this.#native.track(connecting);
    await connecting;
    if (!this.#hasProtocol()) throw new Error('PC/SC connection has no protocol after connecting again');
  }

  /** nfc-pcsc's transmit() throws synchronously when the card or connection is gone (src/Reader.js:290-292). */
  #transmit(data: Buffer, max: number): Promise<Buffer> {
    const op = new Promise<Buffer>((resolve, reject) => {
      this.#reader.transmit(data, max).then(resolve, reject);
    });
    this.#native.track(op);
    return op;
  }

  #releaseConnection(): void {
    if (!this.#reader.connection) return;
    try {
      this.#native.track(this.#reader.disconnect());
    } catch (err) {
      // disconnect() throws when there is no connection (src/Reader.js:259-261): nothing to release.
      this.#log.debug({ reader: this.name, ...errFields(err) }, 'release connection');
    }
  }

  #onSwallowedError(event: unknown): void {
    const err = event instanceof Error ? event : new Error(String(event));
    this.#log.debug({ reader: this.name, ...errFields(err) }, 'nfc-pcsc error emitted as event name');
    if (err.name !== 'ConnectError') return; // DisconnectError after removal: nothing to tell anyone.
    switch (this.#state) {
      case 'closed':
      case 'reading':
        return;
      case 'waiting-card':
      case 'waiting-removal': {
        this.#state = 'waiting-removal';
        const role = this.#sink.role();
        if (role) this.#sink.error(new CardRemovedError(role, 'card could not be connected', { cause: err }));
        return;
      }
      default:
        unreachable(this.#state);
    }
  }

  #onReaderError(err: Error): void {
    if (this.#state === 'closed') return;
    this.#log.warn({ reader: this.name, ...errFields(err) }, 'reader watcher failed');
    this.#sink.watcherFailed(err);
  }

  #onEnd(): void {
    if (this.#state === 'closed') return;
    this.close();
    this.#sink.ended();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
