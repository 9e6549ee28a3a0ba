/**
 * ATR reading for contactless cards behind a PC/SC reader.
 *
 * A PC/SC reader does not give a contactless card's own ATR: it builds one (PC/SC Part 3,
 * "3.1.3.2.3 ATR for storage cards"): `3B 8F 80 01 80 4F 0C <RID A0 00 00 03 06> <SS> <C0 C1>
 * 00 00 00 00 <TCK>`, where SS is the card standard (0x11 = FeliCa, JIS X 6319-4; 0x03 = ISO
 * 14443 A part 3, e.g. MIFARE Classic) and C0 C1 the card name (00 3B = FeliCa). ISO 14443-4
 * cards (phones, EMV, DESFire) get `3B 8n 80 01 <ATS historical bytes> <TCK>` instead, with no
 * 0x4F tag. nfc-pcsc only looks at byte 5 (`atr[5] === 0x4f`, src/Reader.js:72), which says
 * "storage card", not "FeliCa", so the adapter reads the standard byte itself.
 */

/** Registered application provider identifier of PC/SC Workgroup (PC/SC Part 3). */
const PCSC_RID = Buffer.from([0xa0, 0x00, 0x00, 0x03, 0x06]);
/** PC/SC Part 3 supplemental document: standard byte of FeliCa. */
export const STANDARD_FELICA = 0x11;

export interface StorageCardInfo {
  /** PC/SC Part 3 standard byte (SS). */
  readonly standard: number;
  /** Card name bytes C0 C1 as a number (0x003B = FeliCa). */
  readonly cardName: number;
}

/** Historical bytes of an ATR (ISO 7816-3 §8.2), or null when the ATR is too short to hold them. */
export function historicalBytes(atr: Uint8Array): Uint8Array | null {
  if (atr.length < 2) return null;
  const t0 = atr[1]!;
  const count = t0 & 0x0f;
  let i = 2;
  let y = t0 >> 4;
  // Walk TA/TB/TC/TD of every interface-byte group; TDi's high nibble announces the next group.
  for (;;) {
    const hasTd = (y & 0x8) !== 0;
    i += (y & 0x1 ? 1 : 0) + (y & 0x2 ? 1 : 0) + (y & 0x4 ? 1 : 0);
    if (!hasTd) break;
    if (i >= atr.length) return null;
    y = atr[i]! >> 4;
    i += 1;
  }
  if (i + count > atr.length) return null;
  return atr.subarray(i, i + count);
}

/** PC/SC Part 3 storage-card information (RID A0 00 00 03 06), or null for any other ATR. */
export function storageCardInfo(atr: Uint8Array): StorageCardInfo | null {
  const h = historicalBytes(atr);
  // Category indicator 0x80, then the compact-TLV application identifier: 4F <len> RID SS C0 C1 …
  if (!h || h.length < 10 || h[0] !== 0x80 || h[1] !== 0x4f) return null;
  const len = h[2]!;
  if (len < 8 || h.length < 3 + len) return null;
  if (!PCSC_RID.equals(h.subarray(3, 8))) return null;
  return { standard: h[8]!, cardName: (h[9]! << 8) | h[10]! };
}

/** True when the reader reports a FeliCa card (PC/SC Part 3 standard byte 0x11). */
export function isFelicaAtr(atr: Uint8Array): boolean {
  return storageCardInfo(atr)?.standard === STANDARD_FELICA;
}

/** ISO 7816-3 check byte: XOR of every byte from T0 to the last historical byte. */
export function atrCheckByte(atrWithoutTck: Uint8Array): number {
  let tck = 0;
  for (let i = 1; i < atrWithoutTck.length; i++) tck ^= atrWithoutTck[i]!;
  return tck;
}

/** ATR as the port shows it: uppercase hex without spaces. */
export function atrHex(atr: Uint8Array): string {
  return Buffer.from(atr.buffer, atr.byteOffset, atr.byteLength).toString('hex').toUpperCase();
}
