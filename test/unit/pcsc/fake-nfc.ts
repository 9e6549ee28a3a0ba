/**
 * A stand-in for nfc-pcsc's NFC and Reader that reproduces the quirks the adapter works around
 * (src/Reader.js): errors emitted as event names, a transmit() that throws synchronously, a
 * 'card' event with no ATR. Test-only: the real thing is exercised in test/system/pcsc-*.
 */
import { EventEmitter } from 'node:events';
import type { Nfc, NfcCard, NfcReader } from '../../../hardware/pcsc/nfc-pcsc.js';

export const FELICA_ATR = Buffer.from('3B8F8001804F0CA00000030611003B0000000042', 'hex');
export const MIFARE_ATR = Buffer.from('3B8F8001804F0CA000000306030001000000006A', 'hex');

type Transmit = (data: Buffer, max: number) => Promise<Buffer>;

/** pcsclite.h */
const SCARD_STATE_EMPTY = 0x10;
const SCARD_STATE_PRESENT = 0x20;

export class FakeNfcReader extends EventEmitter implements NfcReader {
  autoProcessing = true;
  /** The native reader's 'status' events, with pcsc-lite's card event count in the upper word. */
  readonly reader = new EventEmitter();
  #events = 0;
  /** The connection's card left (a swap): transmit fails as SCardTransmit would, until connect(). */
  #handleGone = false;
  connection: { protocol?: number } | null = null;
  /**
   * @pokusew/pcsclite's native `connected` flag: true from a successful SCardConnect until a
   * successful SCardDisconnect. While it is true, connect() skips SCardConnect and calls back with
   * no protocol (lib/pcsclite.js:123-127).
   */
  nativeConnected = false;
  /** A card is on the reader (present() until removeCard()). */
  cardPresent = false;
  /** With true, the next disconnect() stays in flight until releaseDisconnect(). */
  holdDisconnect = false;
  /** With true, the next disconnect() fails (SCardDisconnect error) and leaves everything connected. */
  failDisconnect = false;
  readonly sent: string[] = [];
  closeCalls = 0;
  connectCalls = 0;
  disconnectCalls = 0;
  transmitImpl: Transmit = async () => Buffer.from('0114b3a1c2d3e4f59000', 'hex');
  #heldDisconnect: (() => void) | null = null;

  constructor(readonly name: string) {
    super();
  }

  transmit(data: Buffer, max: number): Promise<Buffer> {
    this.sent.push(data.toString('hex'));
    // src/Reader.js:290-300 hands `this.connection.protocol` to the native transmit, which
    // rejects anything but an integer.
    if (this.connection && typeof this.connection.protocol !== 'number')
      return Promise.reject(new TypeError('Third argument must be an integer'));
    if (this.#handleGone)
      return Promise.reject(new Error('SCardTransmit error: Card was removed.(0x80100069)'));
    return this.transmitImpl(data, max);
  }

  /** src/Reader.js:221-247 over lib/pcsclite.js:111-128. */
  connect(): Promise<{ protocol?: number }> {
    this.connectCalls++;
    const connection = this.nativeConnected ? {} : { protocol: 2 };
    if (!this.nativeConnected) this.#handleGone = false;
    this.nativeConnected = true;
    this.connection = connection;
    return Promise.resolve(connection);
  }

  disconnect(): Promise<boolean> {
    this.disconnectCalls++;
    // src/Reader.js:259-261
    if (!this.connection) throw new Error('Reader in not connected. No need for disconnecting.');
    if (this.failDisconnect) {
      this.failDisconnect = false;
      return Promise.reject(new Error('An error occurred while disconnecting.'));
    }
    const done = () => {
      this.nativeConnected = false;
      this.connection = null;
    };
    if (!this.holdDisconnect) {
      done();
      return Promise.resolve(true);
    }
    this.holdDisconnect = false;
    return new Promise((resolve) => {
      this.#heldDisconnect = () => {
        done();
        resolve(true);
      };
    });
  }

  /** Lets a disconnect held by `holdDisconnect` finish. */
  releaseDisconnect(): void {
    const release = this.#heldDisconnect;
    this.#heldDisconnect = null;
    release?.();
  }

  close(): void {
    this.closeCalls++;
  }

  /** A card arrives: nfc-pcsc connects, then emits 'card' (src/Reader.js:169-189). */
  present(atr: Buffer | null = FELICA_ATR): void {
    // A second card with no removal between: to pcsclite and nfc-pcsc that can only be a swap.
    if (this.cardPresent && atr) {
      this.swapCard(atr);
      return;
    }
    this.cardPresent = true;
    this.#status(SCARD_STATE_PRESENT, atr, 1);
    void this.connect();
    // null: the card left while connecting, and nfc-pcsc spreads `null` (src/Reader.js:188).
    const card: NfcCard = atr ? { atr, standard: 'TAG_ISO_14443_3' } : {};
    this.emit('card', card);
  }

  /** The card leaves: 'card.off', then a disconnect nobody awaits (src/Reader.js:148-160). */
  removeCard(): void {
    this.cardPresent = false;
    this.#status(SCARD_STATE_EMPTY, null, 1);
    this.emit('card.off', {});
    if (this.connection) this.disconnect().catch(() => {});
  }

  /**
   * The card is taken away and another put down between two turns of the event loop: pcsclite
   * reports only the last state, PRESENT again with the event count up by two, and nfc-pcsc,
   * comparing only the PRESENT/EMPTY bits, emits nothing (src/Reader.js:137-147). The connection
   * it holds is the old card's.
   */
  swapCard(atr: Buffer = FELICA_ATR): void {
    this.cardPresent = true;
    if (this.connection) this.#handleGone = true;
    this.#status(SCARD_STATE_PRESENT, atr, 2);
  }

  #status(state: number, atr: Buffer | null, events: number): void {
    this.#events += events;
    this.reader.emit('status', { state: state | (this.#events << 16), ...(atr ? { atr } : {}) });
  }

  /** What src/Reader.js:196 does with a connect failure: the error object is the event name. */
  emitAsEventName(err: Error): void {
    (this.emit as (event: unknown) => boolean)(err);
  }
}

export class FakeNfc extends EventEmitter implements Nfc {
  closeCalls = 0;
  close(): void {
    this.closeCalls++;
  }
  addReader(name: string): FakeNfcReader {
    const r = new FakeNfcReader(name);
    this.emit('reader', r);
    return r;
  }
}

export function namedError(name: string, message = name): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}
