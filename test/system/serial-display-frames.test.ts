/**
 * SerialDisplay → real pty → the far end: the bytes read back there decode to what was shown, in
 * UTF-8 and in Shift_JIS, and every frame is acknowledged once.
 */
import iconv from 'iconv-lite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder, FrameType } from '../../hardware/serial/display-frame.js';
import { SerialDisplay } from '../../hardware/serial/serial-display.js';
import type { TextEncoding } from '../../hardware/serial/text-codec.js';
import { type AttachedUnit, attachDisplayUnit } from '../../simulator/display-unit/attach.js';
import { FULL_SCREEN, STATUS } from '../contract/driver-display.contract.js';
import { disposeAllPtys, eventually, openPtyPair } from '../helpers/pty.js';

afterAll(disposeAllPtys);

describe('display frames on a real pty', () => {
  let display: SerialDisplay | null = null;
  let peer: AttachedUnit | null = null;
  afterEach(async () => {
    await display?.close(100);
    await peer?.close();
  });

  for (const encoding of ['utf-8', 'shift_jis'] as const satisfies readonly TextEncoding[]) {
    it(`delivers verdict, status and signals, decodable at the far end (${encoding})`, async () => {
      const pty = await openPtyPair();
      const raw: Buffer[] = [];
      peer = await attachDisplayUnit(pty.b, { encoding, onData: (c) => raw.push(c) });
      // A long ACK wait: this test is about the bytes, not retries (a loaded CI box may be slow).
      display = new SerialDisplay({
        path: pty.a,
        baud: 115200,
        encoding,
        ackTimeoutMs: 1000,
        maxRetries: 2,
        queueLimit: 8,
      });
      const acked: string[] = [];
      display.watch({ acked: (e) => acked.push(e.type) });
      const errors: Error[] = [];
      display.subscribe({ onError: (e) => errors.push(e) });
      await display.open();

      display.showVerdict(FULL_SCREEN);
      display.showStatus(STATUS);
      display.play('accept');
      display.play('reject');
      display.play('attention');

      const unit = peer.unit;
      await eventually(() => unit.messages.length === 6, 'six messages at the unit');
      expect(unit.messages.map((m) => m.type)).toEqual([
        'ping',
        'verdict',
        'status',
        'signal',
        'signal',
        'signal',
      ]);
      expect(unit.state.verdict).toEqual(FULL_SCREEN);
      expect(unit.state.status).toEqual(STATUS);
      const tones = unit.messages.flatMap((m) => (m.type === 'signal' ? [m.signal.tone] : []));
      expect(tones).toEqual(['accept', 'reject', 'attention']);
      await eventually(() => acked.length === 6, 'six ACKs at the host');
      expect(errors).toEqual([]);

      // Independently of the simulator: the wire carries these frame types, and the text in the
      // configured encoding.
      const frames = new FrameDecoder()
        .push(Buffer.concat(raw))
        .flatMap((e) => (e.kind === 'frame' ? [e.frame] : []))
        .filter((f, i, all) => i === 0 || all[i - 1]!.seq !== f.seq); // a resend repeats its seq
      expect(frames.map((f) => f.type)).toEqual([
        FrameType.PING,
        FrameType.VERDICT,
        FrameType.STATUS,
        FrameType.SIGNAL,
        FrameType.SIGNAL,
        FrameType.SIGNAL,
      ]);
      const kindBytes =
        encoding === 'utf-8' ? Buffer.from('障がい者定期') : iconv.encode('障がい者定期', 'shift_jis');
      expect(Buffer.from(frames[1]!.payload).includes(kindBytes)).toBe(true);
      expect(frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    });
  }
});
