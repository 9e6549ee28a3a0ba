import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16CcittFalse } from '../../../hardware/serial/crc16.js';
import {
  type DecodeEvent,
  encodeFrame,
  FrameDecoder,
  FrameType,
  MAX_PAYLOAD,
} from '../../../hardware/serial/display-frame.js';
import { encodeVerdict } from '../../../hardware/serial/display-messages.js';
import { encodeSignal, SIGNAL_PATTERNS } from '../../../hardware/serial/display-signal.js';
import { textCodec } from '../../../hardware/serial/text-codec.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const frames = (events: DecodeEvent[]) => events.flatMap((e) => (e.kind === 'frame' ? [e.frame] : []));

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogue check value 29B1 for "123456789"', () => {
    expect(crc16CcittFalse(Buffer.from('123456789'))).toBe(0x29b1);
  });
});

describe('display frames: the worked examples of hardware/README.md', () => {
  it('PING seq 2 stuffs the seq byte', () => {
    const bytes = encodeFrame({ seq: 2, type: FrameType.PING, payload: new Uint8Array() });
    expect(bytes).toEqual(hex('02 10 22 01 00 00 5E 98 03'));
  });

  it('ACK of seq 2', () => {
    const bytes = encodeFrame({ seq: 2, type: FrameType.ACK, payload: new Uint8Array() });
    expect(bytes).toEqual(hex('02 10 22 06 00 00 DB 08 03'));
  });

  it('SIGNAL accept, seq 7', () => {
    const payload = encodeSignal(SIGNAL_PATTERNS.accept);
    expect(payload).toEqual(hex('01 01 05 DC 01 09 60 00 64 00 00'));
    expect(encodeFrame({ seq: 7, type: FrameType.SIGNAL, payload })).toEqual(
      hex('02 07 12 00 0B 01 01 05 DC 01 09 60 00 64 00 00 51 30 03'),
    );
  });

  it('VERDICT seq 3 in UTF-8 and the headline in Shift_JIS', () => {
    const screen = {
      verdict: 'accept',
      reason: 'ok',
      tone: 'accept',
      reader: 'boarding',
      headline: 'OK 定期券有効',
      kind: null,
      validUntil: null,
      excess: null,
      fare: null,
      card: null,
    } as const;
    const { payload } = encodeVerdict(screen, textCodec('utf-8'));
    expect(payload).toEqual(
      hex(`01 01 01  02 06 61 63 63 65 70 74  03 02 6F 6B  04 01 01
           05 12 4F 4B 20 E5 AE 9A E6 9C 9F E5 88 B8 E6 9C 89 E5 8A B9`),
    );
    expect(encodeFrame({ seq: 3, type: FrameType.VERDICT, payload })).toEqual(
      hex(`02 10 23 10 30 00 26 01 01 01 10 22 06 61 63 63 65 70 74 10 23 10 22 6F 6B 04 01 01
           05 12 4F 4B 20 E5 AE 9A E6 9C 9F E5 88 B8 E6 9C 89 E5 8A B9 30 84 03`),
    );
    const sjis = encodeVerdict(screen, textCodec('shift_jis')).payload;
    expect(sjis.subarray(sjis.length - 15)).toEqual(hex('05 0D 4F 4B 20 92 E8 8A FA 8C 94 97 4C 8C F8'));
  });
});

describe('FrameDecoder', () => {
  const ping = (seq: number) => encodeFrame({ seq, type: FrameType.PING, payload: new Uint8Array() });

  it('decodes the worked example back', () => {
    const events = new FrameDecoder().push(hex('02 10 22 01 00 00 5E 98 03'));
    expect(events).toEqual([{ kind: 'frame', frame: { seq: 2, type: 1, payload: new Uint8Array() } }]);
  });

  it('decodes frames fed one byte at a time', () => {
    const d = new FrameDecoder();
    const bytes = Buffer.concat([ping(1), ping(2), ping(3)]);
    const got = [...bytes].flatMap((b) => frames(d.push(Uint8Array.of(b))));
    expect(got.map((f) => f.seq)).toEqual([1, 2, 3]);
  });

  it('skips noise between frames and counts it', () => {
    const d = new FrameDecoder();
    const got = frames(d.push(Buffer.concat([hex('FF 00 41'), ping(5), hex('99'), ping(6)])));
    expect(got.map((f) => f.seq)).toEqual([5, 6]);
    expect(d.noiseBytes).toBe(4);
  });

  it('reports a bad CRC with the seq, and recovers on the next frame', () => {
    const bad = Buffer.from(ping(9));
    bad[bad.length - 2]! ^= 0x40;
    const events = new FrameDecoder().push(Buffer.concat([bad, ping(10)]));
    expect(events[0]).toEqual({ kind: 'bad', reason: 'crc', seq: 9 });
    expect(frames(events).map((f) => f.seq)).toEqual([10]);
  });

  it('reports a frame cut short by a new STX as truncated, and decodes the new one', () => {
    const cut = ping(4).subarray(0, 5);
    const events = new FrameDecoder().push(Buffer.concat([cut, ping(8)]));
    expect(events[0]).toMatchObject({ kind: 'bad', reason: 'truncated' });
    expect(frames(events).map((f) => f.seq)).toEqual([8]);
  });

  it('refuses a huge length claim as soon as the header is in, before any payload', () => {
    const d = new FrameDecoder();
    expect(d.push(hex('02 07 11 FF'))).toEqual([]);
    expect(d.push(hex('FF'))).toEqual([{ kind: 'bad', reason: 'too_long', seq: 7 }]);
    // Whatever followed is noise until the next STX.
    expect(frames(d.push(Buffer.concat([Buffer.alloc(5000, 0x41), ping(1)])))).toHaveLength(1);
  });

  it('refuses more bytes than the length announced', () => {
    const body = Buffer.from(ping(3));
    const longer = Buffer.concat([body.subarray(0, body.length - 1), hex('41 03')]);
    expect(new FrameDecoder().push(longer)[0]).toMatchObject({ kind: 'bad', reason: 'length_mismatch' });
  });

  it('refuses to encode a payload over the maximum', () => {
    expect(() => encodeFrame({ seq: 0, type: 1, payload: new Uint8Array(MAX_PAYLOAD + 1) })).toThrow(
      RangeError,
    );
    expect(() => encodeFrame({ seq: 0, type: 1, payload: new Uint8Array(MAX_PAYLOAD) })).not.toThrow();
  });

  it('round-trips any frame through any chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        (seq, type, payload, cuts) => {
          const bytes = encodeFrame({ seq, type, payload });
          const d = new FrameDecoder();
          const events: DecodeEvent[] = [];
          let i = 0;
          for (let c = 0; i < bytes.length; c++) {
            const n = cuts[c % cuts.length]!;
            events.push(...d.push(bytes.subarray(i, i + n)));
            i += n;
          }
          expect(events).toEqual([
            { kind: 'frame', frame: { seq, type, payload: Uint8Array.from(payload) } },
          ]);
        },
      ),
    );
  });

  it('never throws on noise, and decodes a good frame after it (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (noise) => {
        const d = new FrameDecoder();
        d.push(noise);
        // ETX ends whatever the noise left open; the next frame must come through whole.
        const after = d.push(Buffer.concat([Uint8Array.of(0x03), ping(77)]));
        expect(frames(after).map((f) => f.seq)).toEqual([77]);
      }),
    );
  });
});
