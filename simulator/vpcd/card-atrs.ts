/**
 * ATRs a PC/SC contactless reader reports (PC/SC Part 3 §3.1.3.2.3), built with a correct TCK.
 * Storage cards: 3B 8F 80 01 80 4F 0C A0 00 00 03 06 <SS> <C0 C1> 00 00 00 00 <TCK>.
 */
import { atrCheckByte } from '../../hardware/pcsc/atr.js';

function withTck(bytes: Buffer): Buffer {
  return Buffer.concat([bytes, Buffer.from([atrCheckByte(bytes)])]);
}

/** TS T0 TD1 TD2, category 80, tag 4F length 0C, RID A0 00 00 03 06. */
const STORAGE_CARD_PREFIX = Buffer.from('3B8F8001804F0CA000000306', 'hex');

function storageCardAtr(standard: number, cardName: number): Buffer {
  const rest = Buffer.from([standard, (cardName >> 8) & 0xff, cardName & 0xff, 0, 0, 0, 0]);
  return withTck(Buffer.concat([STORAGE_CARD_PREFIX, rest]));
}

/** FeliCa (SS 0x11, card name 00 3B): 3B8F8001804F0CA0000003061100 3B000000 0042. */
export const FELICA_ATR = storageCardAtr(0x11, 0x003b);
/** MIFARE Classic 1K (SS 0x03 ISO 14443 A part 3, card name 00 01). */
export const MIFARE_CLASSIC_ATR = storageCardAtr(0x03, 0x0001);
/** An ISO 14443-4 type A card without historical bytes (phones, EMV): 3B 80 80 01 01. */
export const ISO14443_4_ATR = withTck(Buffer.from('3B808001', 'hex'));
