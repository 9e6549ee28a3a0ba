/**
 * The slice of nfc-pcsc (0.8, JavaScript without types) the adapter uses, typed here, and its
 * lazy loader. Only hardware/pcsc/ touches nfc-pcsc (DESIGN.md "Ports"); loading it lazily keeps
 * the native @pokusew/pcsclite binding (and libpcsclite) out of processes that never start a
 * PC/SC reader (replay, the simulator's console mode).
 */
import { createRequire } from 'node:module';

/** What nfc-pcsc puts in 'card' / 'card.off' events (src/Reader.js:175-181). */
export interface NfcCard {
  readonly atr?: Buffer;
  readonly standard?: string;
}

/** What @pokusew/pcsclite's CardReader reports: `state` is SCardGetStatusChange's dwEventState. */
export interface NativeStatus {
  readonly state: number;
  readonly atr?: Buffer;
}

/** The @pokusew/pcsclite CardReader under an nfc-pcsc Reader (lib/pcsclite.js). */
export interface NativeCardReader {
  on(event: 'status', listener: (status: NativeStatus) => void): unknown;
}

/** One nfc-pcsc Reader (src/Reader.js) or ACR122Reader. */
export interface NfcReader {
  readonly name: string;
  /** The native reader nfc-pcsc listens to (src/Reader.js:126). */
  readonly reader: NativeCardReader;
  /** Must be false: with true, nfc-pcsc sends its own APDUs (src/Reader.js:187-192). */
  autoProcessing: boolean;
  /** Set by nfc-pcsc after a successful connect, null after disconnect (src/Reader.js:242, 276). */
  readonly connection: { readonly protocol?: number } | null;
  transmit(data: Buffer, responseMaxLength: number): Promise<Buffer>;
  /** SCardConnect, unless the native reader is still connected (then no protocol: see reader-session.ts). */
  connect(): Promise<unknown>;
  /** Throws synchronously when there is no connection (src/Reader.js:259-261). */
  disconnect(): Promise<boolean>;
  close(): void;
  on(event: 'card' | 'card.off', listener: (card: NfcCard) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  /** Replaced by the adapter to catch `this.emit(err)` (see reader-session.ts). */
  emit(event: unknown, ...args: unknown[]): boolean;
}

/** nfc-pcsc's NFC (src/NFC.js): one PC/SC context and its reader watcher. */
export interface Nfc {
  on(event: 'reader', listener: (reader: NfcReader) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  close(): void;
}

interface NfcPcscModule {
  NFC: new () => Nfc;
}

let loaded: NfcPcscModule | null = null;

/** Creates a fresh nfc-pcsc NFC: a new PC/SC context (its constructor may block, see service-probe.ts). */
export function createNfc(): Nfc {
  loaded ??= createRequire(import.meta.url)('nfc-pcsc') as NfcPcscModule;
  return new loaded.NFC();
}
