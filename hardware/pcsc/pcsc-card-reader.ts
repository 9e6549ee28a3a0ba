/**
 * The CardReader port over PC/SC (pcscd) through nfc-pcsc. See hardware/README.md "Card reader (PC/SC)".
 *
 * The PC/SC context is an explicit state machine (STYLE.md #3):
 *
 *   stopped ──start──▶ probing ──pcscd answers──▶ open ──context or watcher error──▶ waiting-retry
 *                        ▲  └──pcscd silent / new NFC() throws──▶ waiting-retry          │
 *                        └───────────────────── capped back-off ◀─────────────────────────┘
 *   any ──stop──▶ stopped
 *
 * A PC/SC context does not survive pcscd: when pcscd stops, @pokusew/pcsclite's watcher thread
 * ends with an error (src/pcsclite.cpp:241-256, then 'error' in lib/pcsclite.js:54-56, re-emitted
 * by nfc-pcsc src/NFC.js:77-83) and never restarts; readers are only announced on a change of the
 * reader list (lib/pcsclite.js:58-66). So every failure recreates the whole thing with a fresh
 * `new NFC()`. Each context has a generation number; callbacks from an older one are ignored.
 * Readers are sessions (reader-session.ts); roles come from ReaderAssignment.
 */
import type {
  CardEvent,
  CardReader,
  CardReaderObserver,
  ReaderHealth,
  ReaderHealthState,
  ReaderRole,
} from '../ports/card-reader.js';
import type { Clock } from '../ports/clock.js';
import { ReaderGoneError } from '../ports/errors.js';
import { Backoff } from './backoff.js';
import { errFields, type PcscLogger, silentPcscLogger } from './logger.js';
import { loadNfcPcsc, type Nfc, type NfcFactory, type NfcReader } from './nfc-pcsc.js';
import { type PcscReaderConfig, ReaderAssignment } from './reader-assignment.js';
import { ReaderSession } from './reader-session.js';
import { defaultPcscdSocket, probePcscd } from './service-probe.js';

export type ContextState = 'stopped' | 'probing' | 'open' | 'waiting-retry';

export interface PcscCardReaderOptions {
  readonly readers: readonly PcscReaderConfig[];
  readonly clock: Clock;
  readonly logger?: PcscLogger;
  /** How long the card may take to answer GET DATA before the read is given up. Default 1000. */
  readonly readTimeoutMs?: number;
  /** Reconnect back-off towards pcscd. Default 100 ms doubling to 1000 ms. */
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
  /** pcscd's socket for the liveness probe. Default $PCSCLITE_CSOCK_NAME or /run/pcscd/pcscd.comm. */
  readonly socketPath?: string;
  /** How long stop() waits for native readers to close. Default 2000. */
  readonly stopDeadlineMs?: number;
  /** Builds the nfc-pcsc root object. Default: nfc-pcsc's `new NFC()`, loaded by the first start(). */
  readonly createNfc?: NfcFactory;
  /** Seam for tests: loads nfc-pcsc when `createNfc` is not given (default loadNfcPcsc()). */
  readonly loadBinding?: () => Promise<NfcFactory>;
  /** Seam for tests: is pcscd there? (default: connect to its socket). */
  readonly probe?: () => Promise<boolean>;
}

export class PcscCardReader implements CardReader {
  readonly #observers = new Set<CardReaderObserver>();
  readonly #health = new Map<ReaderRole, ReaderHealth>();
  readonly #assignment: ReaderAssignment;
  readonly #sessions = new Map<string, ReaderSession>();
  readonly #clock: Clock;
  readonly #log: PcscLogger;
  readonly #readTimeoutMs: number;
  readonly #stopDeadlineMs: number;
  readonly #backoff: Backoff;
  #createNfc: NfcFactory | null;
  readonly #loadBinding: () => Promise<NfcFactory>;
  readonly #probe: () => Promise<boolean>;
  #state: ContextState = 'stopped';
  #generation = 0;
  #nfc: Nfc | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #stopping: Promise<void> | null = null;

  constructor(o: PcscCardReaderOptions) {
    this.#assignment = new ReaderAssignment(o.readers);
    this.#clock = o.clock;
    this.#log = o.logger ?? silentPcscLogger;
    this.#readTimeoutMs = o.readTimeoutMs ?? 1000;
    this.#stopDeadlineMs = o.stopDeadlineMs ?? 2000;
    this.#backoff = new Backoff(o.reconnect?.initialMs ?? 100, o.reconnect?.maxMs ?? 1000);
    this.#createNfc = o.createNfc ?? null;
    this.#loadBinding = o.loadBinding ?? (() => loadNfcPcsc());
    const socketPath = o.socketPath ?? defaultPcscdSocket();
    this.#probe = o.probe ?? (() => probePcscd(socketPath));
    for (const role of this.#assignment.roles()) {
      this.#health.set(role, { reader: role, name: null, state: 'disconnected' });
    }
  }

  subscribe(observer: CardReaderObserver): () => void {
    this.#observers.add(observer);
    return () => {
      this.#observers.delete(observer);
    };
  }

  /**
   * Resolves after the first attempt to reach pcscd; when it fails, retries go on in the
   * background. Rejects with PcscUnavailableError when nfc-pcsc cannot be loaded: no retry mends that.
   */
  async start(): Promise<void> {
    if (this.#stopping) await this.#stopping;
    switch (this.#state) {
      case 'stopped':
        break;
      case 'probing':
      case 'open':
      case 'waiting-retry':
        return;
      default:
        unreachable(this.#state);
    }
    if (!this.#createNfc) {
      const gen = this.#generation;
      const createNfc = await this.#loadBinding();
      this.#createNfc ??= createNfc;
      // stop() (which counts a generation even when stopped) or another start() came meanwhile.
      if (gen !== this.#generation || this.#state !== 'stopped') return;
    }
    this.#backoff.reset();
    await this.#open(++this.#generation);
  }

  /** Idempotent; no event is delivered once it has been called. */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    if (this.#state === 'stopped') {
      this.#generation++; // a start() still loading the binding must not open after this
      return Promise.resolve();
    }
    this.#stopping = this.#stop().finally(() => {
      this.#stopping = null;
    });
    return this.#stopping;
  }

  health(): ReaderHealth[] {
    return [...this.#health.values()];
  }

  get contextState(): ContextState {
    return this.#state;
  }

  async #stop(): Promise<void> {
    this.#state = 'stopped';
    this.#generation++;
    this.#clearRetry();
    const sessions = this.#closeContext();
    await Promise.all(sessions.map((s) => s.closed(this.#stopDeadlineMs)));
    await new Promise((r) => setImmediate(r)); // let the deferred nfc.close() run
    for (const role of this.#health.keys()) {
      this.#health.set(role, { reader: role, name: null, state: 'disconnected', detail: 'stopped' });
    }
  }

  async #open(gen: number): Promise<void> {
    this.#state = 'probing';
    const up = await this.#probe();
    if (gen !== this.#generation || this.#state !== 'probing') return; // stopped meanwhile
    if (!up) {
      this.#serviceDown(gen, 'pcscd is not accepting clients');
      return;
    }
    let nfc: Nfc;
    try {
      if (!this.#createNfc) throw new Error('PC/SC binding not loaded'); // start() loads it first
      nfc = this.#createNfc();
    } catch (err) {
      this.#serviceDown(gen, `PC/SC context failed: ${errFields(err).err}`);
      return;
    }
    this.#nfc = nfc;
    this.#state = 'open';
    this.#log.info({ generation: gen }, 'PC/SC context open');
    // NFC re-emits pcsclite errors (src/NFC.js:77-83): an unheard 'error' would throw.
    nfc.on('error', (err) => this.#contextFailed(gen, err));
    nfc.on('reader', (reader) => this.#onReader(gen, reader));
    // pcscd answers: a role with no reader yet is 'disconnected' (until its reader shows up).
    for (const role of this.#health.keys()) {
      if (this.#assignment.readerOf(role) === null) this.#setHealth(role, 'disconnected', null, 'no reader');
    }
  }

  #onReader(gen: number, reader: NfcReader): void {
    if (gen !== this.#generation || this.#state !== 'open') {
      // A late announcement from a context we already closed: give it the listeners it needs and close it.
      new ReaderSession({
        reader,
        clock: this.#clock,
        readTimeoutMs: 0,
        log: this.#log,
        sink: detachedSink,
      }).close();
      return;
    }
    this.#backoff.reset();
    const name = reader.name;
    const session = new ReaderSession({
      reader,
      clock: this.#clock,
      readTimeoutMs: this.#readTimeoutMs,
      log: this.#log,
      sink: {
        role: () => (gen === this.#generation ? this.#assignment.roleOf(name) : null),
        card: (event) => this.#emitCard(gen, event),
        error: (err) => this.#emitError(gen, err),
        watcherFailed: (err) => this.#contextFailed(gen, err),
        ended: () => this.#onReaderEnd(gen, name),
      },
    });
    this.#sessions.set(name, session);
    const role = this.#assignment.attach(name);
    this.#log.info(
      { reader: name, role },
      role ? 'reader connected' : 'reader matches no free role; ignored',
    );
    if (role) this.#setHealth(role, 'connected', name);
  }

  #onReaderEnd(gen: number, name: string): void {
    if (gen !== this.#generation) return;
    this.#sessions.delete(name);
    const { role, successor } = this.#assignment.detach(name);
    this.#log.info({ reader: name, role }, 'reader removed');
    if (role === null) return;
    if (successor) this.#setHealth(role, 'connected', successor);
    else this.#setHealth(role, 'disconnected', name, 'reader removed');
  }

  /** The context (or one reader's watcher) failed: pcscd stopped or restarted. Recreate everything. */
  #contextFailed(gen: number, err: Error): void {
    if (gen !== this.#generation || this.#state !== 'open') return;
    this.#log.warn(errFields(err), 'PC/SC context failed; reconnecting');
    this.#closeContext();
    this.#serviceDown(++this.#generation, `PC/SC service lost: ${err.message}`);
  }

  #serviceDown(gen: number, detail: string): void {
    for (const role of this.#health.keys()) this.#setHealth(role, 'error', null, detail);
    this.#state = 'waiting-retry';
    const delay = this.#backoff.next();
    this.#log.debug({ delay, detail }, 'PC/SC retry scheduled');
    this.#clearRetry();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (gen === this.#generation && this.#state === 'waiting-retry') void this.#open(gen);
    }, delay);
  }

  /** Closes every session and the NFC context; returns the sessions so stop() can await them. */
  #closeContext(): ReaderSession[] {
    const sessions = [...this.#sessions.values()];
    for (const s of sessions) s.close();
    this.#sessions.clear();
    this.#assignment.clear();
    const nfc = this.#nfc;
    this.#nfc = null;
    if (nfc) {
      // A later turn: we may be inside pcsclite's status callback (see ReaderSession.close()).
      setImmediate(() => {
        try {
          nfc.close();
        } catch (err) {
          this.#log.debug(errFields(err), 'PC/SC context close');
        }
      });
    }
    return sessions;
  }

  #setHealth(role: ReaderRole, state: ReaderHealthState, name: string | null, detail?: string): void {
    const prev = this.#health.get(role);
    if (prev && prev.state === state && prev.name === name) return;
    const h: ReaderHealth =
      detail === undefined ? { reader: role, name, state } : { reader: role, name, state, detail };
    this.#health.set(role, h);
    if (this.#state === 'stopped') return;
    this.#notify((o) => o.onHealth(h));
    if (prev?.state === 'connected' && state !== 'connected') {
      this.#notify((o) => o.onError(new ReaderGoneError(role, detail ?? 'reader is gone')));
    }
  }

  #emitCard(gen: number, event: CardEvent): void {
    if (gen !== this.#generation || this.#state === 'stopped') return;
    this.#notify((o) => o.onCard(event));
  }

  #emitError(gen: number, err: Error): void {
    if (gen !== this.#generation || this.#state === 'stopped') return;
    this.#notify((o) => o.onError(err));
  }

  /** Observers run inside native callbacks: one that throws must not take the adapter down. */
  #notify(call: (o: CardReaderObserver) => void): void {
    for (const o of [...this.#observers]) {
      try {
        call(o);
      } catch (err) {
        this.#log.error(errFields(err), 'card reader observer threw');
      }
    }
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }
}

const detachedSink = {
  role: () => null,
  card: () => {},
  error: () => {},
  watcherFailed: () => {},
  ended: () => {},
};

function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
