/**
 * The bounded write queue on a real pty: while one frame waits for a slow unit's ACK, a burst of
 * verdicts and statuses collapses to the newest of each, and tones beyond the limit are dropped
 * oldest first.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { StatusLine } from '../../hardware/ports/driver-display.js';
import { SerialDisplay } from '../../hardware/serial/serial-display.js';
import { type AttachedUnit, attachDisplayUnit } from '../../simulator/display-unit/attach.js';
import { FULL_SCREEN, STATUS } from '../contract/driver-display.contract.js';
import { disposeAllPtys, eventually, openPtyPair, pause } from '../helpers/pty.js';

afterAll(disposeAllPtys);

describe('display write queue on a real pty', () => {
  let display: SerialDisplay | null = null;
  let peer: AttachedUnit | null = null;
  afterEach(async () => {
    await display?.close(100);
    await peer?.close();
  });

  async function slowRig(queueLimit: number) {
    const pty = await openPtyPair();
    peer = await attachDisplayUnit(pty.b, { encoding: 'utf-8', delayMs: 250 });
    display = new SerialDisplay({
      path: pty.a,
      baud: 115200,
      encoding: 'utf-8',
      ackTimeoutMs: 1000,
      maxRetries: 1,
      queueLimit,
    });
    const dropped: string[] = [];
    display.watch({ dropped: (e) => dropped.push(`${e.type}:${e.why}`) });
    await display.open(); // the PING is now in flight for 250 ms
    return { display, unit: peer.unit, dropped };
  }

  it('sends only the newest verdict and the latest status after a burst', async () => {
    const r = await slowRig(4);
    for (let i = 0; i < 10; i++) r.display.showVerdict({ ...FULL_SCREEN, excess: i });
    for (let i = 0; i < 5; i++) r.display.showStatus({ ...STATUS, listVersion: i } satisfies StatusLine);
    await eventually(() => r.unit.messages.length === 3, 'ping, verdict, status', 5000);
    await pause(300);
    expect(r.unit.messages.map((m) => m.type)).toEqual(['ping', 'verdict', 'status']);
    expect(r.unit.state.verdict?.excess).toBe(9);
    expect(r.unit.state.status?.listVersion).toBe(4);
    expect(r.dropped.filter((d) => d === 'verdict:replaced')).toHaveLength(9);
    expect(r.dropped.filter((d) => d === 'status:replaced')).toHaveLength(4);
  });

  it('keeps at most queue_limit frames, dropping the oldest tones first', async () => {
    const r = await slowRig(3);
    r.display.showVerdict(FULL_SCREEN);
    const tones = ['accept', 'reject', 'attention', 'accept', 'reject'] as const;
    for (const t of tones) r.display.play(t);
    await eventually(() => r.unit.messages.length === 4, 'ping, verdict and two tones', 5000);
    await pause(300);
    expect(r.unit.messages.map((m) => m.type)).toEqual(['ping', 'verdict', 'signal', 'signal']);
    const played = r.unit.messages.flatMap((m) => (m.type === 'signal' ? [m.signal.tone] : []));
    expect(played).toEqual(['accept', 'reject']);
    expect(r.dropped).toEqual(['signal:queue_full', 'signal:queue_full', 'signal:queue_full']);
  });
});
