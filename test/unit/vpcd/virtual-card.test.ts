import { describe, expect, it } from 'vitest';
import { FELICA_ATR, ISO14443_4_ATR, MIFARE_CLASSIC_ATR } from '../../../simulator/vpcd/card-atrs.js';
import { felicaCard, foreignCard, respond } from '../../../simulator/vpcd/virtual-card.js';
import { controlName, encodeFrame, FrameDecoder } from '../../../simulator/vpcd/vpcd-frame.js';

const GET_DATA = Buffer.from('ffca000000', 'hex');

describe('vpcd frames', () => {
  it('prefixes a 2-byte big-endian length', () => {
    expect(encodeFrame(Buffer.from([4])).toString('hex')).toBe('000104');
  });

  it('reassembles frames split across chunks and several in one chunk', () => {
    const d = new FrameDecoder();
    const stream = Buffer.concat([
      encodeFrame(Buffer.from([1])),
      encodeFrame(GET_DATA),
      encodeFrame(Buffer.from([4])),
    ]);
    expect(d.push(stream.subarray(0, 4))).toEqual([Buffer.from([1])]);
    expect(d.push(stream.subarray(4, 6))).toEqual([]);
    expect(d.push(stream.subarray(6))).toEqual([GET_DATA, Buffer.from([4])]);
  });

  it('names the control codes', () => {
    expect([0, 1, 2, 4, 9].map(controlName)).toEqual(['off', 'on', 'reset', 'atr', null]);
  });
});

describe('virtual card', () => {
  it('has the PC/SC Part 3 ATRs with a correct TCK', () => {
    expect(FELICA_ATR.toString('hex').toUpperCase()).toBe('3B8F8001804F0CA00000030611003B0000000042');
    expect(MIFARE_CLASSIC_ATR.toString('hex').toUpperCase()).toBe('3B8F8001804F0CA000000306030001000000006A');
    expect(ISO14443_4_ATR.toString('hex').toUpperCase()).toBe('3B80800101');
  });

  it('answers GET DATA with the IDm and 90 00', () => {
    const r = respond(felicaCard('0114B3A1C2D3E4F5'), GET_DATA);
    expect(r).toMatchObject({ kind: 'reply', isIdm: true });
    expect(r.kind === 'reply' && r.data.toString('hex')).toBe('0114b3a1c2d3e4f59000');
  });

  it('scripts the unhappy paths', () => {
    expect(respond(felicaCard('0114b3a1c2d3e4f5', { kind: 'pull' }), GET_DATA)).toEqual({ kind: 'drop' });
    expect(respond(felicaCard('0114b3a1c2d3e4f5', { kind: 'hang' }), GET_DATA)).toEqual({ kind: 'hang' });
    const sw = respond(felicaCard('0114b3a1c2d3e4f5', { kind: 'status', sw: '6A81' }), GET_DATA);
    expect(sw.kind === 'reply' && sw.data.toString('hex')).toBe('6a81');
  });

  it('refuses other instructions with 6D 00, and rejects a malformed IDm', () => {
    const r = respond(foreignCard(), Buffer.from('00a4040000', 'hex'));
    expect(r.kind === 'reply' && r.data.toString('hex')).toBe('6d00');
    expect(() => felicaCard('0114')).toThrow(/16 hex/);
  });
});
