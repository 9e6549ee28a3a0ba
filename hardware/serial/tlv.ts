/**
 * Tag-length-value fields of VERDICT and STATUS payloads: tag (1 byte), length (1 byte), value.
 * TLV rather than a fixed order so that a newer host can add fields an older unit skips, and
 * a missing field means "none" (null) without a sentinel value.
 */
import { MAX_PAYLOAD } from './display-frame.js';
import type { TextCodec } from './text-codec.js';

export const MAX_FIELD = 255;

/** A payload that breaks the protocol (unit side: answered with NAK BAD_PAYLOAD). */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

export class TlvWriter {
  readonly #buf = Buffer.alloc(MAX_PAYLOAD);
  #used = 0;
  /** Fields cut or left out because they did not fit; the adapter logs them. */
  readonly clipped: number[] = [];

  u8(tag: number, value: number): void {
    this.bytes(tag, Uint8Array.of(value & 0xff));
  }

  /** Whole, non-negative numbers (yen, minutes, versions) as 1..7 big-endian bytes. */
  uint(tag: number, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`field 0x${tag.toString(16)}: ${value} is not a non-negative integer`);
    }
    const out: number[] = [];
    let v = value;
    do {
      out.unshift(v % 256);
      v = Math.floor(v / 256);
    } while (v > 0);
    this.bytes(tag, Uint8Array.from(out));
  }

  text(tag: number, value: string, codec: TextCodec, maxBytes = MAX_FIELD): void {
    const { bytes, truncated } = codec.encode(value, Math.min(maxBytes, MAX_FIELD));
    if (truncated) this.clipped.push(tag);
    this.bytes(tag, bytes);
  }

  bytes(tag: number, value: Uint8Array): void {
    if (value.length > MAX_FIELD)
      throw new RangeError(`field 0x${tag.toString(16)} longer than ${MAX_FIELD}`);
    if (this.#used + 2 + value.length > MAX_PAYLOAD) {
      this.clipped.push(tag);
      return;
    }
    this.#buf[this.#used++] = tag;
    this.#buf[this.#used++] = value.length;
    this.#buf.set(value, this.#used);
    this.#used += value.length;
  }

  finish(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#used));
  }
}

export interface TlvField {
  readonly tag: number;
  readonly value: Uint8Array;
}

export function readTlv(payload: Uint8Array): TlvField[] {
  const fields: TlvField[] = [];
  let i = 0;
  while (i < payload.length) {
    if (i + 2 > payload.length) throw new PayloadError(`field header cut at byte ${i}`);
    const tag = payload[i]!;
    const len = payload[i + 1]!;
    if (i + 2 + len > payload.length) throw new PayloadError(`field 0x${tag.toString(16)} overruns payload`);
    fields.push({ tag, value: payload.subarray(i + 2, i + 2 + len) });
    i += 2 + len;
  }
  return fields;
}

export function readUint(field: TlvField): number {
  if (field.value.length < 1 || field.value.length > 7) {
    throw new PayloadError(`field 0x${field.tag.toString(16)}: integer of ${field.value.length} bytes`);
  }
  let v = 0;
  for (const b of field.value) v = v * 256 + b;
  return v;
}

export function readU8(field: TlvField): number {
  if (field.value.length !== 1) throw new PayloadError(`field 0x${field.tag.toString(16)}: expected 1 byte`);
  return field.value[0]!;
}
