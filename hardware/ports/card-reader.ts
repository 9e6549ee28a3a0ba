/**
 * CardReader port: what the tap pipeline sees of the card readers.
 *
 * Contract (every adapter and the fake honour it; test/contract/card-reader.contract.ts checks it):
 * - `start()` resolves once the adapter is watching for readers (not necessarily once a reader is
 *   present: a reader may be plugged in later; health events tell).
 * - For each card presented, at most one `onCard` event: `felica` with the IDm read by
 *   `FF CA 00 00 00`, or `foreign` when the ATR is not FeliCa (phone, MIFARE, EMV).
 *   A card pulled away mid-read gives no card event (at most `onError(CardRemovedError)`).
 * - Health changes (`connected`, `disconnected`, `error`) are reported per reader role.
 * - `stop()` cancels: no event is delivered after it resolves; a read in flight is abandoned.
 *   Safe to call twice.
 * - Disconnects are not fatal: the adapter keeps watching and reports `connected` again when the
 *   reader (or pcscd) comes back.
 */
export type ReaderRole = 'boarding' | 'alighting';

export interface FelicaCard {
  readonly type: 'felica';
  /** 16 lowercase hex characters. */
  readonly idm: string;
  /** ATR as uppercase hex without spaces. */
  readonly atr: string;
  readonly reader: ReaderRole;
  /** Epoch ms (from the adapter's clock) when the card was detected. */
  readonly detectedAt: number;
  /** Optional extras read without keys (service 0x008B); never needed for a decision. */
  readonly extras?: { cardType?: number; balance?: number };
}

export interface ForeignCard {
  readonly type: 'foreign';
  readonly atr: string;
  readonly reader: ReaderRole;
  readonly detectedAt: number;
}

export type CardEvent = FelicaCard | ForeignCard;

export type ReaderHealthState = 'connected' | 'disconnected' | 'error';

export interface ReaderHealth {
  readonly reader: ReaderRole;
  /** The PC/SC (or simulated) reader name, when known. */
  readonly name: string | null;
  readonly state: ReaderHealthState;
  readonly detail?: string;
}

/** All three handlers are required: an observer without an error handler is refused by type. */
export interface CardReaderObserver {
  onCard(event: CardEvent): void;
  onHealth(health: ReaderHealth): void;
  onError(error: Error): void;
}

export interface CardReader {
  subscribe(observer: CardReaderObserver): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Latest known health of every configured reader role. */
  health(): ReaderHealth[];
}
