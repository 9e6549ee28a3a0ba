import { describe, expect, it } from 'vitest';
import { atrCheckByte, historicalBytes, isFelicaAtr, storageCardInfo } from '../../../hardware/pcsc/atr.js';
import { parseGetDataResponse } from '../../../hardware/pcsc/get-data.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/ /g, ''), 'hex');
const FELICA = hex('3B 8F 80 01 80 4F 0C A0 00 00 03 06 11 00 3B 00 00 00 00 42');
const MIFARE = hex('3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A');

describe('ATR (PC/SC Part 3)', () => {
  it('recognises the FeliCa storage-card ATR by its standard byte 0x11', () => {
    expect(isFelicaAtr(FELICA)).toBe(true);
    expect(storageCardInfo(FELICA)).toEqual({ standard: 0x11, cardName: 0x003b });
  });

  it('does not take MIFARE Classic for FeliCa, though nfc-pcsc calls both TAG_ISO_14443_3', () => {
    expect(MIFARE[5]).toBe(0x4f);
    expect(isFelicaAtr(MIFARE)).toBe(false);
    expect(storageCardInfo(MIFARE)?.standard).toBe(0x03);
  });

  it('does not take ISO 14443-4 cards, a foreign RID, or truncated ATRs for FeliCa', () => {
    expect(isFelicaAtr(hex('3B 80 80 01 01'))).toBe(false);
    expect(isFelicaAtr(hex('3B 8F 80 01 80 4F 0C A0 00 00 99 99 11 00 3B 00 00 00 00 00'))).toBe(false);
    expect(isFelicaAtr(FELICA.subarray(0, 12))).toBe(false);
    expect(isFelicaAtr(Buffer.alloc(0))).toBe(false);
  });

  it('finds historical bytes behind TA/TB/TC interface bytes', () => {
    // T0 = F2: TA1 TB1 TC1 TD1 present, 2 historical bytes; TD1 = 00: no more groups.
    expect(historicalBytes(hex('3B F2 11 00 FF 00 AA BB'))).toEqual(hex('AA BB'));
  });

  it('computes the TCK as the XOR of T0 to the last historical byte', () => {
    expect(atrCheckByte(FELICA.subarray(0, -1))).toBe(0x42);
    expect(atrCheckByte(MIFARE.subarray(0, -1))).toBe(0x6a);
  });
});

describe('GET DATA answer', () => {
  it('is an 8-byte IDm followed by 90 00', () => {
    expect(parseGetDataResponse(hex('0114B3A1C2D3E4F5 9000'))).toEqual({
      kind: 'idm',
      idm: '0114b3a1c2d3e4f5',
    });
  });
  it('reports an error status word', () => {
    expect(parseGetDataResponse(hex('6A81'))).toEqual({ kind: 'status', sw: '6A81' });
  });
  it('reports an empty answer (exchange broken off) apart from a malformed one', () => {
    expect(parseGetDataResponse(Buffer.alloc(0))).toEqual({ kind: 'empty' });
    expect(parseGetDataResponse(hex('90'))).toEqual({ kind: 'malformed', length: 1 });
    expect(parseGetDataResponse(hex('04A1B2C3 9000'))).toEqual({ kind: 'malformed', length: 6 });
  });
});
