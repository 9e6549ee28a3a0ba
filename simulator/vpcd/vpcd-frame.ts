/**
 * vpcd's wire format (vsmartcard virtualsmartcard/src/vpcd/vpcd.c, sendToVICC / recvFromVICC):
 * every message is a 2-byte big-endian length and that many bytes. From vpcd, a 1-byte message
 * is a control code; anything longer is a command APDU, answered with the response APDU.
 */
export const VPCD_CTRL = { off: 0, on: 1, reset: 2, atr: 4 } as const;
export type VpcdControl = keyof typeof VPCD_CTRL;

/** vpcd's default port for slot 0 (reader "Virtual PCD 00 00"); slot n listens on port + n. */
export const VPCD_DEFAULT_PORT = 0x8c7b; // 35963

export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > 0xffff) throw new RangeError(`vpcd frame of ${payload.length} bytes`);
  const out = Buffer.allocUnsafe(2 + payload.length);
  out.writeUInt16BE(payload.length, 0);
  out.set(payload, 2);
  return out;
}

/** Splits a TCP byte stream into vpcd messages (a message may arrive in pieces or several at once). */
export class FrameDecoder {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Buffer[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : Buffer.from(chunk);
    const frames: Buffer[] = [];
    while (this.#buf.length >= 2) {
      const len = this.#buf.readUInt16BE(0);
      if (this.#buf.length < 2 + len) break;
      frames.push(this.#buf.subarray(2, 2 + len));
      this.#buf = this.#buf.subarray(2 + len);
    }
    return frames;
  }
}

export function controlName(code: number): VpcdControl | null {
  for (const [name, value] of Object.entries(VPCD_CTRL)) if (value === code) return name as VpcdControl;
  return null;
}
