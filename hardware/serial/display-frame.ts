/**
 * Framing of the driver display unit's serial protocol (hardware/README.md, "Driver display unit").
 *
 *   STX | seq | type | len_hi | len_lo | payload[len] | crc_hi | crc_lo | ETX
 *
 * Between STX and ETX every 0x02, 0x03 or 0x10 byte is sent as DLE (0x10) followed by the byte
 * XOR 0x20, so STX and ETX only ever mark frame edges: after line noise the decoder resyncs on
 * the next STX without trusting a corrupted length. The CRC (CRC-16/CCITT-FALSE) covers the
 * unstuffed seq..payload; `len` counts unstuffed payload bytes and is bounded by MAX_PAYLOAD,
 * checked as soon as the header is in, before anything is buffered for the payload.
 */
import { crc16CcittFalse } from './crc16.js';

export const STX = 0x02;
export const ETX = 0x03;
export const DLE = 0x10;
const ESCAPE_XOR = 0x20;

/** Largest payload either side sends or accepts. */
export const MAX_PAYLOAD = 1024;
const HEADER = 4;
const TRAILER = 2;
const MAX_BODY = HEADER + MAX_PAYLOAD + TRAILER;

export const FrameType = {
  PING: 0x01,
  ACK: 0x06,
  VERDICT: 0x10,
  STATUS: 0x11,
  SIGNAL: 0x12,
  NAK: 0x15,
} as const;
export type FrameTypeName = keyof typeof FrameType;

export function frameTypeName(type: number): FrameTypeName | null {
  for (const [name, code] of Object.entries(FrameType)) if (code === type) return name as FrameTypeName;
  return null;
}

/** Why the unit refused a frame: the one payload byte of a NAK. */
export const NakReason = {
  CRC: 0x01,
  LENGTH: 0x02,
  UNKNOWN_TYPE: 0x03,
  BAD_PAYLOAD: 0x04,
  TRUNCATED: 0x05,
} as const;

export interface Frame {
  readonly seq: number;
  readonly type: number;
  readonly payload: Uint8Array;
}

export function encodeFrame(frame: Frame): Buffer {
  const { seq, type, payload } = frame;
  if (payload.length > MAX_PAYLOAD)
    throw new RangeError(`payload of ${payload.length} bytes > ${MAX_PAYLOAD}`);
  const body = new Uint8Array(HEADER + payload.length + TRAILER);
  body[0] = seq & 0xff;
  body[1] = type & 0xff;
  body[2] = payload.length >> 8;
  body[3] = payload.length & 0xff;
  body.set(payload, HEADER);
  const crc = crc16CcittFalse(body, 0, HEADER + payload.length);
  body[HEADER + payload.length] = crc >> 8;
  body[HEADER + payload.length + 1] = crc & 0xff;

  let escapes = 0;
  for (const b of body) if (b === STX || b === ETX || b === DLE) escapes++;
  const out = Buffer.allocUnsafe(body.length + escapes + 2);
  let o = 0;
  out[o++] = STX;
  for (const b of body) {
    if (b === STX || b === ETX || b === DLE) {
      out[o++] = DLE;
      out[o++] = b ^ ESCAPE_XOR;
    } else {
      out[o++] = b;
    }
  }
  out[o++] = ETX;
  return out;
}

export type FrameError = 'crc' | 'too_long' | 'length_mismatch' | 'truncated' | 'bad_escape';

export type DecodeEvent =
  | { readonly kind: 'frame'; readonly frame: Frame }
  /** `seq` is the header's seq when the header arrived (it may itself be damaged), else null. */
  | { readonly kind: 'bad'; readonly reason: FrameError; readonly seq: number | null };

/**
 * Streaming decoder: feed it whatever the port delivers, in any chunking; it returns complete
 * frames and the damaged ones it threw away. Memory is one body buffer of MAX_BODY bytes.
 */
export class FrameDecoder {
  readonly #body = new Uint8Array(MAX_BODY);
  #state: 'hunt' | 'body' | 'escape' = 'hunt';
  #count = 0;
  /** Bytes seen outside any frame (line noise); a counter for diagnostics. */
  noiseBytes = 0;

  push(chunk: Uint8Array): DecodeEvent[] {
    const events: DecodeEvent[] = [];
    for (const byte of chunk) {
      const event = this.#step(byte);
      if (event) events.push(event);
    }
    return events;
  }

  #step(byte: number): DecodeEvent | null {
    switch (this.#state) {
      case 'hunt':
        if (byte === STX) this.#begin();
        else this.noiseBytes++;
        return null;
      case 'escape':
        if (byte === STX || byte === ETX) {
          // DLE must escape something; a frame edge here means the sender or the line broke.
          const event = this.#bad('bad_escape');
          if (byte === STX) this.#begin();
          return event;
        }
        this.#state = 'body';
        return this.#take(byte ^ ESCAPE_XOR);
      case 'body':
        if (byte === STX) {
          // A new frame started before this one ended: the ETX (or more) was lost.
          const event = this.#bad('truncated');
          this.#begin();
          return event;
        }
        if (byte === ETX) return this.#end();
        if (byte === DLE) {
          this.#state = 'escape';
          return null;
        }
        return this.#take(byte);
    }
  }

  #begin(): void {
    this.#state = 'body';
    this.#count = 0;
  }

  #take(byte: number): DecodeEvent | null {
    if (this.#count >= HEADER && this.#count >= HEADER + this.#length() + TRAILER) {
      return this.#bad('length_mismatch');
    }
    this.#body[this.#count++] = byte;
    if (this.#count === HEADER && this.#length() > MAX_PAYLOAD) return this.#bad('too_long');
    return null;
  }

  #end(): DecodeEvent {
    if (this.#count < HEADER + TRAILER) return this.#bad('truncated');
    const len = this.#length();
    if (this.#count !== HEADER + len + TRAILER) return this.#bad('length_mismatch');
    const crc = (this.#body[HEADER + len]! << 8) | this.#body[HEADER + len + 1]!;
    if (crc !== crc16CcittFalse(this.#body, 0, HEADER + len)) return this.#bad('crc');
    this.#state = 'hunt';
    return {
      kind: 'frame',
      frame: {
        seq: this.#body[0]!,
        type: this.#body[1]!,
        payload: this.#body.slice(HEADER, HEADER + len),
      },
    };
  }

  #length(): number {
    return (this.#body[2]! << 8) | this.#body[3]!;
  }

  #bad(reason: FrameError): DecodeEvent {
    const seq = this.#count >= 1 ? this.#body[0]! : null;
    this.#state = 'hunt';
    this.#count = 0;
    return { kind: 'bad', reason, seq };
  }
}
