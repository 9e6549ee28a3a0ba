/** The simulated display unit's protocol engine, over an in-memory wire. */
import { describe, expect, it } from 'vitest';
import {
  type DecodeEvent,
  encodeFrame,
  FrameDecoder,
  FrameType,
  NakReason,
} from '../../../hardware/serial/display-frame.js';
import { encodeVerdict } from '../../../hardware/serial/display-messages.js';
import { encodeSignal, SIGNAL_PATTERNS } from '../../../hardware/serial/display-signal.js';
import { textCodec } from '../../../hardware/serial/text-codec.js';
import { DisplayUnit, type DisplayUnitOptions } from '../../../simulator/display-unit/unit.js';
import { FULL_SCREEN } from '../../contract/driver-display.contract.js';

function wire(opts: Partial<DisplayUnitOptions> = {}) {
  const replies: DecodeEvent[] = [];
  const decoder = new FrameDecoder();
  const unit = new DisplayUnit({ encoding: 'utf-8', ...opts }, (bytes) =>
    replies.push(...decoder.push(bytes)),
  );
  const verdict = (seq: number) =>
    encodeFrame({
      seq,
      type: FrameType.VERDICT,
      payload: encodeVerdict(FULL_SCREEN, textCodec('utf-8')).payload,
    });
  const answers = () =>
    replies.map((r) =>
      r.kind === 'frame' ? `${r.frame.type === FrameType.ACK ? 'ACK' : 'NAK'} ${r.frame.seq}` : r.reason,
    );
  return { unit, replies, verdict, answers };
}

describe('display unit simulator', () => {
  it('acknowledges and shows a verdict', () => {
    const w = wire();
    w.unit.feed(w.verdict(4));
    expect(w.answers()).toEqual(['ACK 4']);
    expect(w.unit.state.verdict).toEqual(FULL_SCREEN);
  });

  it('acknowledges a resend again without showing it twice', () => {
    const w = wire();
    w.unit.feed(w.verdict(4));
    w.unit.feed(w.verdict(4));
    expect(w.answers()).toEqual(['ACK 4', 'ACK 4']);
    expect(w.unit.messages).toHaveLength(1);
    expect(w.unit.counters.duplicates).toBe(1);
  });

  it('answers NAK with the reason for a bad CRC, an unknown type and a bad payload', () => {
    const w = wire();
    const damaged = Buffer.from(w.verdict(1));
    damaged[damaged.length - 2]! ^= 0x01;
    w.unit.feed(damaged);
    w.unit.feed(encodeFrame({ seq: 2, type: 0x7e, payload: new Uint8Array() }));
    w.unit.feed(encodeFrame({ seq: 5, type: FrameType.SIGNAL, payload: Uint8Array.of(1) }));
    expect(w.answers()).toEqual(['NAK 1', 'NAK 2', 'NAK 5']);
    const reasons = w.replies.map((r) => (r.kind === 'frame' ? r.frame.payload[0] : null));
    expect(reasons).toEqual([NakReason.CRC, NakReason.UNKNOWN_TYPE, NakReason.BAD_PAYLOAD]);
    expect(w.unit.messages).toEqual([]);
  });

  it('plays a signal', () => {
    const w = wire();
    w.unit.feed(
      encodeFrame({ seq: 0, type: FrameType.SIGNAL, payload: encodeSignal(SIGNAL_PATTERNS.reject) }),
    );
    expect(w.unit.state.signal?.tone).toBe('reject');
  });

  it('drops an ACK when told to, but still shows the frame', () => {
    const w = wire({ dropAcks: 1 });
    w.unit.feed(w.verdict(3));
    expect(w.answers()).toEqual([]);
    expect(w.unit.state.verdict).not.toBeNull();
  });

  it('damages a reply when told to (the host sees a bad CRC)', () => {
    const w = wire({ corrupt: 1 });
    w.unit.feed(w.verdict(3));
    expect(w.replies).toHaveLength(1);
    expect(w.replies[0]!.kind).toBe('bad');
  });

  it('refuses a good frame with NAK when told to, without applying it', () => {
    const w = wire({ nak: 1 });
    w.unit.feed(w.verdict(3));
    expect(w.answers()).toEqual(['NAK 3']);
    expect(w.unit.messages).toEqual([]);
  });

  it('delays replies, and stop() cancels the ones still waiting', async () => {
    const w = wire({ delayMs: 30 });
    w.unit.feed(w.verdict(1));
    expect(w.answers()).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(w.answers()).toEqual(['ACK 1']);
    w.unit.feed(w.verdict(2));
    w.unit.stop();
    await new Promise((r) => setTimeout(r, 60));
    expect(w.answers()).toEqual(['ACK 1']);
  });
});
