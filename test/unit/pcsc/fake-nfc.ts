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

export class FakeNfcReader extends EventEmitter implements NfcReader {
  autoProcessing = true;
  connection: { protocol?: number } | null = null;
  readonly sent: string[] = [];
  closeCalls = 0;
  disconnectCalls = 0;
  transmitImpl: Transmit = async () => Buffer.from('0114b3a1c2d3e4f59000', 'hex');

  constructor(readonly name: string) {
    super();
  }

  transmit(data: Buffer, max: number): Promise<Buffer> {
    this.sent.push(data.toString('hex'));
    return this.transmitImpl(data, max);
  }

  disconnect(): Promise<boolean> {
    this.disconnectCalls++;
    // src/Reader.js:259-261
    if (!this.connection) throw new Error('Reader in not connected. No need for disconnecting.');
    this.connection = null;
    return Promise.resolve(true);
  }

  close(): void {
    this.closeCalls++;
  }

  /** A card arrives: nfc-pcsc connects, then emits 'card' (src/Reader.js:169-189). */
  present(atr: Buffer | null = FELICA_ATR): void {
    this.connection = { protocol: 2 };
    // null: the card left while connecting, and nfc-pcsc spreads `null` (src/Reader.js:188).
    const card: NfcCard = atr ? { atr, standard: 'TAG_ISO_14443_3' } : {};
    this.emit('card', card);
  }

  removeCard(): void {
    this.connection = null;
    this.emit('card.off', {});
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
