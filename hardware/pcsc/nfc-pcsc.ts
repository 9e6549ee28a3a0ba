/**
 * The slice of nfc-pcsc (0.8, JavaScript without types) the adapter uses, typed here, and its
 * lazy loader. Only hardware/pcsc/ touches nfc-pcsc (DESIGN.md "Ports"), and only through
 * loadNfcPcsc(): nfc-pcsc is an optional dependency whose native binding (@pokusew/pcsclite)
 * compiles only where libpcsclite-dev is installed (issue 11), so no module imports it statically;
 * `teiki --help`, replay, the demo and the simulated ports run on a machine without it.
 */
import { PcscUnavailableError } from './errors.js';

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

/** Builds a fresh nfc-pcsc NFC: a new PC/SC context (its constructor may block, see service-probe.ts). */
export type NfcFactory = () => Nfc;

/** How a module is loaded; a seam for tests that simulate a binding that cannot load. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const NFC_PCSC = 'nfc-pcsc';

/**
 * Loads nfc-pcsc (and with it the native binding). Resolves to a factory of NFC roots; rejects
 * with PcscUnavailableError when the package is absent (npm dropped the optional dependency) or
 * its binding cannot load (never compiled, or libpcsclite missing): nothing a retry would mend.
 */
export async function loadNfcPcsc(importModule: ModuleImporter = (s) => import(s)): Promise<NfcFactory> {
  let mod: unknown;
  try {
    mod = await importModule(NFC_PCSC);
  } catch (err) {
    throw new PcscUnavailableError(err);
  }
  // A CommonJS module: Node exposes its exports as named exports and as `default`.
  const m = mod as { NFC?: new () => Nfc; default?: { NFC?: new () => Nfc } };
  const NFC = m.NFC ?? m.default?.NFC;
  if (typeof NFC !== 'function') throw new PcscUnavailableError(new Error('nfc-pcsc exports no NFC'));
  return () => new NFC();
}
