/**
 * The display unit's side of the protocol, as its firmware would run it: decode frames, apply
 * them, answer ACK or NAK. Transport-agnostic (bytes in, bytes out) so tests, the CLI and the
 * demo share it. Faults can be injected on the reply path to exercise the host's retries.
 */
import type { StatusLine, VerdictScreen } from '../../hardware/ports/driver-display.js';
import { crc16CcittFalse } from '../../hardware/serial/crc16.js';
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  NakReason,
} from '../../hardware/serial/display-frame.js';
import { decodeStatus, decodeVerdict } from '../../hardware/serial/display-messages.js';
import { decodeSignal, type SignalPattern } from '../../hardware/serial/display-signal.js';
import { type TextCodec, type TextEncoding, textCodec } from '../../hardware/serial/text-codec.js';
import { PayloadError } from '../../hardware/serial/tlv.js';

export interface DisplayUnitOptions {
  readonly encoding: TextEncoding;
  /** Probability that an ACK is lost on the way back (the frame is still applied). */
  readonly dropAcks?: number;
  /** Every reply waits this long. */
  readonly delayMs?: number;
  /** Probability that a reply is damaged on the wire (one bit flipped in its CRC). */
  readonly corrupt?: number;
  /** Probability that a good frame is refused with NAK (as if received damaged). */
  readonly nak?: number;
  /** Source of randomness for the probabilities; inject for deterministic tests. */
  readonly random?: () => number;
}

export type UnitMessage =
  | { readonly type: 'verdict'; readonly screen: VerdictScreen }
  | { readonly type: 'status'; readonly status: StatusLine }
  | { readonly type: 'signal'; readonly signal: SignalPattern }
  | { readonly type: 'ping' };

export interface UnitState {
  verdict: VerdictScreen | null;
  status: StatusLine | null;
  signal: SignalPattern | null;
}

export interface UnitCounters {
  frames: number;
  duplicates: number;
  damaged: number;
  acks: number;
  naks: number;
  dropped: number;
  corrupted: number;
}

export class DisplayUnit {
  readonly #opts: DisplayUnitOptions;
  readonly #send: (bytes: Buffer) => void;
  readonly #decoder = new FrameDecoder();
  readonly #codec: TextCodec;
  readonly #listeners = new Set<(m: UnitMessage) => void>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #last: { seq: number; type: number; crc: number } | null = null;
  #stopped = false;
  readonly state: UnitState = { verdict: null, status: null, signal: null };
  /** Every message applied, in order (retransmissions appear once). */
  readonly messages: UnitMessage[] = [];
  readonly counters: UnitCounters = {
    frames: 0,
    duplicates: 0,
    damaged: 0,
    acks: 0,
    naks: 0,
    dropped: 0,
    corrupted: 0,
  };

  constructor(opts: DisplayUnitOptions, send: (bytes: Buffer) => void) {
    this.#opts = opts;
    this.#send = send;
    this.#codec = textCodec(opts.encoding);
  }

  onMessage(listener: (m: UnitMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  feed(chunk: Uint8Array): void {
    for (const event of this.#decoder.push(chunk)) {
      if (event.kind === 'bad') {
        this.counters.damaged++;
        if (event.seq !== null) this.#reply(event.seq, FrameType.NAK, NAK_FOR[event.reason]);
        continue;
      }
      this.#onFrame(event.frame);
    }
  }

  /** Cancels replies still waiting for their delay. */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #onFrame(frame: Frame): void {
    const { seq, type, payload } = frame;
    if (type === FrameType.ACK || type === FrameType.NAK) return; // only the host is acknowledged
    this.counters.frames++;
    const crc = crc16CcittFalse(payload);
    if (this.#last && this.#last.seq === seq && this.#last.type === type && this.#last.crc === crc) {
      // A resend because our ACK was lost: acknowledge again, do not show or beep twice.
      this.counters.duplicates++;
      this.#reply(seq, FrameType.ACK);
      return;
    }
    if (this.#chance(this.#opts.nak)) {
      this.#reply(seq, FrameType.NAK, NakReason.CRC);
      return;
    }
    let message: UnitMessage;
    try {
      message = this.#decode(type, payload);
    } catch (err) {
      const reason = err instanceof UnknownType ? NakReason.UNKNOWN_TYPE : NakReason.BAD_PAYLOAD;
      this.#reply(seq, FrameType.NAK, reason);
      return;
    }
    this.#last = { seq, type, crc };
    this.#apply(message);
    this.#reply(seq, FrameType.ACK);
  }

  #decode(type: number, payload: Uint8Array): UnitMessage {
    switch (type) {
      case FrameType.VERDICT:
        return { type: 'verdict', screen: decodeVerdict(payload, this.#codec) };
      case FrameType.STATUS:
        return { type: 'status', status: decodeStatus(payload, this.#codec) };
      case FrameType.SIGNAL:
        return { type: 'signal', signal: decodeSignal(payload) };
      case FrameType.PING:
        if (payload.length !== 0) throw new PayloadError('PING with a payload');
        return { type: 'ping' };
      default:
        throw new UnknownType();
    }
  }

  #apply(m: UnitMessage): void {
    if (m.type === 'verdict') this.state.verdict = m.screen;
    else if (m.type === 'status') this.state.status = m.status;
    else if (m.type === 'signal') this.state.signal = m.signal;
    this.messages.push(m);
    for (const l of this.#listeners) l(m);
  }

  #reply(seq: number, type: number, reason?: number): void {
    if (type === FrameType.ACK && this.#chance(this.#opts.dropAcks)) {
      this.counters.dropped++;
      return;
    }
    const bytes = encodeFrame({
      seq,
      type,
      payload: reason === undefined ? new Uint8Array(0) : Uint8Array.of(reason),
    });
    if (this.#chance(this.#opts.corrupt)) {
      bytes[bytes.length - 2]! ^= 0x01;
      this.counters.corrupted++;
    }
    if (type === FrameType.ACK) this.counters.acks++;
    else this.counters.naks++;
    const delay = this.#opts.delayMs ?? 0;
    if (delay <= 0) {
      this.#send(bytes);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopped) this.#send(bytes);
    }, delay);
    this.#timers.add(timer);
  }

  #chance(p: number | undefined): boolean {
    return p !== undefined && p > 0 && (this.#opts.random ?? Math.random)() < p;
  }
}

class UnknownType extends Error {}

const NAK_FOR = {
  crc: NakReason.CRC,
  too_long: NakReason.LENGTH,
  length_mismatch: NakReason.LENGTH,
  truncated: NakReason.TRUNCATED,
  bad_escape: NakReason.CRC,
} as const;
