/**
 * What a virtual card is and how it answers APDUs, independent of any transport.
 * A FeliCa card answers PC/SC GET DATA (`FF CA 00 00 00`) with its IDm and 90 00, the way a
 * PC/SC reader does for a real card; the behaviour scripts the unhappy paths.
 */
import { FELICA_ATR, MIFARE_CLASSIC_ATR } from './card-atrs.js';

export type CardBehaviour =
  /** Answers GET DATA with the IDm (after `delayMs`, default 0). */
  | { readonly kind: 'answer'; readonly delayMs?: number }
  /** Taken away when GET DATA arrives: the connection drops before any answer. */
  | { readonly kind: 'pull' }
  /** Answers GET DATA with an error status word, e.g. '6A81'. */
  | { readonly kind: 'status'; readonly sw: string }
  /** Never answers GET DATA (until the card is removed). */
  | { readonly kind: 'hang' };

export interface VirtualCard {
  readonly atr: Buffer;
  /** 16 hex characters for FeliCa; the UID of a foreign card. */
  readonly uid: Buffer;
  readonly behaviour: CardBehaviour;
}

export type CardReply =
  | { readonly kind: 'reply'; readonly data: Buffer; readonly delayMs: number; readonly isIdm: boolean }
  | { readonly kind: 'drop' }
  | { readonly kind: 'hang' };

const SW_OK = Buffer.from([0x90, 0x00]);
const SW_INS_NOT_SUPPORTED = Buffer.from([0x6d, 0x00]);

export function felicaCard(idm: string, behaviour: CardBehaviour = { kind: 'answer' }): VirtualCard {
  if (!/^[0-9a-fA-F]{16}$/.test(idm)) throw new Error(`IDm must be 16 hex characters: ${idm}`);
  return { atr: FELICA_ATR, uid: Buffer.from(idm, 'hex'), behaviour };
}

/** A card that is not FeliCa (MIFARE Classic by default, or e.g. ISO14443_4_ATR for a phone). */
export function foreignCard(atr: Buffer = MIFARE_CLASSIC_ATR, uid = '04a1b2c3'): VirtualCard {
  return { atr, uid: Buffer.from(uid, 'hex'), behaviour: { kind: 'answer' } };
}

function isGetData(apdu: Uint8Array): boolean {
  return apdu.length >= 4 && apdu[0] === 0xff && apdu[1] === 0xca && apdu[2] === 0x00 && apdu[3] === 0x00;
}

export function respond(card: VirtualCard, apdu: Uint8Array): CardReply {
  if (!isGetData(apdu)) return { kind: 'reply', data: SW_INS_NOT_SUPPORTED, delayMs: 0, isIdm: false };
  const b = card.behaviour;
  switch (b.kind) {
    case 'answer':
      return { kind: 'reply', data: Buffer.concat([card.uid, SW_OK]), delayMs: b.delayMs ?? 0, isIdm: true };
    case 'pull':
      return { kind: 'drop' };
    case 'status':
      return { kind: 'reply', data: Buffer.from(b.sw, 'hex'), delayMs: 0, isIdm: false };
    case 'hang':
      return { kind: 'hang' };
    default:
      return unreachable(b);
  }
}

function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
