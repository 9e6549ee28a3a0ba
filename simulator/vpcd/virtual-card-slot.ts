/**
 * A virtual card on vpcd's reader: a TCP client of pcscd's vpcd driver (vsmartcard), which
 * listens on 127.0.0.1:35963 for slot "Virtual PCD 00 00" and 35964 for "Virtual PCD 00 01".
 *
 * vpcd sees a card as present while a client is connected and answers its ATR request
 * (vpcd.c vicc_present: connect, then GET ATR); it accepts a client only when pcscd polls for a
 * card (every 400 ms, waitforclient with a zero timeout) and drops it when the socket closes.
 * So: placing a card = connecting, taking it away = closing the connection. While a card is
 * placed, the slot reconnects on its own after a drop (pcscd restarted, dropConnection()).
 *
 * A new connection waits `minGapMs` (default 600) after the previous one closed: pcscd polls
 * every 400 ms, and a card taken away and put back (or a connection dropped and re-made) within
 * one poll is invisible to it — vpcd swaps the sockets and pcscd still sees the first card, so no
 * new card event ever comes. With the gap, pcscd always sees the card leave and come back.
 *
 * State machine: empty ──insert──▶ connecting ──connect──▶ connected ──socket closed──▶
 * connecting (card still placed, after `minGapMs`) | empty (removed / pulled); close() ▶ closed.
 */
import { connect, type Socket } from 'node:net';
import { respond, type VirtualCard } from './virtual-card.js';
import { controlName, encodeFrame, FrameDecoder, VPCD_DEFAULT_PORT } from './vpcd-frame.js';

export type SlotState = 'empty' | 'connecting' | 'connected' | 'closed';

/** The moment the card wrote its IDm answer: what a benchmark uses as "card answered". */
export interface AnsweredInfo {
  readonly idm: string;
  /** Date.now() right after the answer was handed to the socket. */
  readonly at: number;
  /** process.hrtime.bigint() at the same moment, for sub-millisecond timing. */
  readonly hr: bigint;
  readonly port: number;
}

export interface SlotEvent {
  readonly type: 'connected' | 'disconnected' | 'control' | 'apdu' | 'pulled' | 'hanging';
  readonly detail?: string;
}

export interface VirtualCardSlotOptions {
  /** vpcd port of the slot; default 35963 (slot 0). */
  readonly port?: number;
  readonly host?: string;
  /** Minimum time between a connection closing and the next one (see above). Default 600 ms. */
  readonly minGapMs?: number;
}

export class VirtualCardSlot {
  readonly port: number;
  readonly #host: string;
  readonly #minGapMs: number;
  #lastClosedAt = 0;
  #state: SlotState = 'empty';
  #card: VirtualCard | null = null;
  #socket: Socket | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  /** Set by dropConnection({ until }): the next reconnect waits for it. */
  #holdReconnect: Promise<void> | null = null;
  readonly #answered = new Set<(a: AnsweredInfo) => void>();
  readonly #events = new Set<(e: SlotEvent) => void>();

  constructor(o: VirtualCardSlotOptions = {}) {
    this.port = o.port ?? VPCD_DEFAULT_PORT;
    this.#host = o.host ?? '127.0.0.1';
    this.#minGapMs = o.minGapMs ?? 600;
  }

  get state(): SlotState {
    return this.#state;
  }

  get card(): VirtualCard | null {
    return this.#card;
  }

  /** Places a card on the reader (taking away the one already there). */
  async insert(card: VirtualCard): Promise<void> {
    this.#assertOpen();
    if (this.#card) await this.remove({ settle: false });
    this.#card = card;
    this.#state = 'connecting';
    this.#scheduleConnect();
  }

  /**
   * Takes the card away: the connection closes and vpcd reports the card gone at its next poll.
   * With `settle` (default), resolves only after that poll, so pcscd has seen the card leave.
   */
  async remove(o: { settle?: boolean } = {}): Promise<void> {
    this.#card = null;
    this.#holdReconnect = null;
    this.#clearReconnect();
    await this.#closeSocket();
    if (this.#state !== 'closed') this.#state = 'empty';
    const wait = this.#lastClosedAt + this.#minGapMs - Date.now();
    if ((o.settle ?? true) && wait > 0) await sleep(wait);
  }

  /** Places the card, holds it for `holdMs`, takes it away (and lets pcscd notice). */
  async tap(card: VirtualCard, holdMs = 600): Promise<void> {
    await this.insert(card);
    await sleep(holdMs);
    if (this.#card === card) await this.remove();
  }

  /**
   * Drops the TCP connection as a network fault would; the placed card reconnects after
   * `minGapMs`, and not before `until` settles when given (a test that knows when pcscd has seen
   * the card leave, from pcscd's own log, passes that, so the comeback is never inside one poll).
   */
  async dropConnection(o: { until?: Promise<unknown> } = {}): Promise<void> {
    if (o.until)
      this.#holdReconnect = o.until.then(
        () => undefined,
        () => undefined,
      );
    await this.#closeSocket();
  }

  async close(): Promise<void> {
    await this.remove();
    this.#state = 'closed';
  }

  /** Called each time the card hands its IDm answer to vpcd. Returns an unsubscribe function. */
  onAnswered(listener: (a: AnsweredInfo) => void): () => void {
    this.#answered.add(listener);
    return () => this.#answered.delete(listener);
  }

  /** Connection and traffic events, for tests and the CLI's log. */
  onEvent(listener: (e: SlotEvent) => void): () => void {
    this.#events.add(listener);
    return () => this.#events.delete(listener);
  }

  #connect(): void {
    if (!this.#card || this.#socket || this.#state === 'closed') return;
    const sock = connect({ host: this.#host, port: this.port });
    this.#socket = sock;
    sock.setNoDelay(true);
    const decoder = new FrameDecoder();
    sock.on('connect', () => {
      if (this.#socket !== sock) return;
      this.#state = 'connected';
      this.#emit({ type: 'connected' });
    });
    sock.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) this.#onFrame(sock, frame);
    });
    // Refused while pcscd is down, reset when it stops: 'close' follows and handles both.
    sock.on('error', () => {});
    sock.on('close', () => {
      if (this.#socket !== sock) return;
      this.#socket = null;
      this.#emit({ type: 'disconnected' });
      this.#lastClosedAt = Date.now();
      if (this.#state === 'closed') return;
      if (this.#card) {
        this.#state = 'connecting';
        this.#scheduleConnect();
      } else {
        this.#state = 'empty';
      }
    });
  }

  /** Connects now, or once `minGapMs` has passed since the last connection closed. */
  #scheduleConnect(): void {
    this.#clearReconnect();
    const hold = this.#holdReconnect;
    if (hold) {
      this.#holdReconnect = null;
      const card = this.#card;
      void hold.then(() => {
        // Still the same card waiting to come back (not removed, replaced or closed meanwhile).
        if (this.#card === card && this.#state === 'connecting' && !this.#socket) this.#scheduleConnect();
      });
      return;
    }
    const wait = Math.max(0, this.#lastClosedAt + this.#minGapMs - Date.now());
    if (wait === 0) {
      this.#connect();
      return;
    }
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#connect();
    }, wait);
  }

  #onFrame(sock: Socket, frame: Buffer): void {
    const card = this.#card;
    if (!card || this.#socket !== sock) return;
    if (frame.length === 1) {
      const name = controlName(frame[0]!);
      this.#emit({ type: 'control', detail: name ?? `0x${frame[0]!.toString(16)}` });
      // Power off/on and reset need no answer (vpcd.c vicc_poweroff/on/reset only send).
      if (name === 'atr') sock.write(encodeFrame(card.atr));
      return;
    }
    this.#emit({ type: 'apdu', detail: frame.toString('hex') });
    const reply = respond(card, frame);
    switch (reply.kind) {
      case 'reply': {
        const send = (): void => {
          if (this.#socket !== sock || this.#card !== card) return;
          sock.write(encodeFrame(reply.data));
          if (reply.isIdm) this.#announce(card);
        };
        if (reply.delayMs > 0) setTimeout(send, reply.delayMs);
        else send();
        return;
      }
      case 'drop':
        // Pulled away mid-read: gone before answering, and not coming back.
        this.#card = null;
        this.#emit({ type: 'pulled' });
        sock.destroy();
        return;
      case 'hang':
        this.#emit({ type: 'hanging' });
        return;
      default:
        unreachable(reply);
    }
  }

  #announce(card: VirtualCard): void {
    if (this.#answered.size === 0) return;
    const info: AnsweredInfo = {
      idm: card.uid.toString('hex'),
      at: Date.now(),
      hr: process.hrtime.bigint(),
      port: this.port,
    };
    for (const l of this.#answered) l(info);
  }

  #closeSocket(): Promise<void> {
    const sock = this.#socket;
    if (!sock) return Promise.resolve();
    return new Promise((resolve) => {
      sock.once('close', () => resolve());
      sock.destroy();
    });
  }

  #clearReconnect(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }

  #emit(e: SlotEvent): void {
    for (const l of this.#events) l(e);
  }

  #assertOpen(): void {
    if (this.#state === 'closed') throw new Error('virtual card slot is closed');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
