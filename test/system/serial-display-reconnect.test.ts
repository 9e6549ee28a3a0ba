/**
 * The display unit's port goes away (socat killed: both pty ends vanish, as a USB-serial unit
 * unplugged) and comes back: the adapter reports the loss once, retries with growing delays,
 * reconnects, and delivers what was queued meanwhile (the newest verdict).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DeviceIoError } from '../../hardware/ports/errors.js';
import { SerialDisplay } from '../../hardware/serial/serial-display.js';
import type { LinkState } from '../../hardware/serial/serial-link.js';
import { type AttachedUnit, attachDisplayUnit } from '../../simulator/display-unit/attach.js';
import { FULL_SCREEN, STATUS } from '../contract/driver-display.contract.js';
import { disposeAllPtys, eventually, openPtyPair, pause } from '../helpers/pty.js';

afterAll(disposeAllPtys);

describe('display reconnect on a real pty', () => {
  const peers: AttachedUnit[] = [];
  let display: SerialDisplay | null = null;
  afterEach(async () => {
    await display?.close(100);
    for (const p of peers) await p.close();
  });

  it('reports the loss, backs off, reconnects and sends the newest verdict', async () => {
    const pty = await openPtyPair();
    peers.push(await attachDisplayUnit(pty.b, { encoding: 'utf-8' }));
    display = new SerialDisplay({
      path: pty.a,
      baud: 115200,
      encoding: 'utf-8',
      ackTimeoutMs: 100,
      maxRetries: 3,
      queueLimit: 8,
      reconnect: { initialMs: 50, maxMs: 400 },
    });
    const errors: Error[] = [];
    const states: Array<{ state: LinkState; at: number }> = [];
    display.subscribe({ onError: (e) => errors.push(e) });
    display.watch({ linkState: (state) => states.push({ state, at: Date.now() }) });
    await display.open();

    display.showVerdict({ ...FULL_SCREEN, excess: 1 });
    await eventually(() => peers[0]!.unit.state.verdict?.excess === 1, 'the first verdict');

    await pty.kill();
    await eventually(() => errors.length > 0, 'the loss reported');
    expect(errors[0]).toBeInstanceOf(DeviceIoError);
    expect((errors[0] as DeviceIoError).disconnected).toBe(true);
    expect(display.linkState).not.toBe('open');

    // While the unit is away, the tap path keeps going: these queue, the newest verdict wins.
    display.showVerdict({ ...FULL_SCREEN, excess: 2 });
    display.showVerdict({ ...FULL_SCREEN, excess: 3 });
    display.play('accept');
    await pause(1300);

    const openings = states.filter((s) => s.state === 'opening').map((s) => s.at);
    expect(openings.length).toBeGreaterThanOrEqual(3);
    expect(openings.length).toBeLessThanOrEqual(9);
    const gaps = openings.slice(1).map((t, i) => t - openings[i]!);
    // Growing delays (50, 100, 200, 400, 400 ms …), with slack for a busy machine.
    expect(gaps[gaps.length - 1]!).toBeGreaterThan(gaps[0]! + 100);
    expect(Math.max(...gaps)).toBeLessThan(400 + 500);
    expect(errors).toHaveLength(1); // one report per outage, not per attempt

    await pty.restart();
    const back = await attachDisplayUnit(pty.b, { encoding: 'utf-8' });
    peers.push(back);
    // The PING may be sent before the unit has opened its end (opening flushes the tty's input),
    // so only the queued frames are awaited.
    const queued = () => back.unit.messages.filter((m) => m.type !== 'ping').map((m) => m.type);
    await eventually(() => queued().length >= 2, 'the queue delivered after reconnect', 8000);
    expect(queued()).toEqual(['verdict', 'signal']);
    expect(back.unit.state.verdict?.excess).toBe(3);
    expect(display.linkState).toBe('open');
  });

  it('survives repeated outages and reconnects each time', async () => {
    const pty = await openPtyPair();
    display = new SerialDisplay({
      path: pty.a,
      baud: 115200,
      encoding: 'shift_jis',
      ackTimeoutMs: 100,
      maxRetries: 3,
      queueLimit: 8,
      reconnect: { initialMs: 30, maxMs: 120 },
    });
    // Only losses are counted: a PING sent before the unit opened its end may also be reported.
    const losses: DeviceIoError[] = [];
    display.subscribe({ onError: (e) => e instanceof DeviceIoError && e.disconnected && losses.push(e) });
    await display.open();
    for (let round = 1; round <= 3; round++) {
      const peer = await attachDisplayUnit(pty.b, { encoding: 'shift_jis' });
      peers.push(peer);
      display.showVerdict({ ...FULL_SCREEN, excess: round });
      await eventually(() => peer.unit.state.verdict?.excess === round, `verdict of round ${round}`, 15_000);
      expect(peer.unit.state.verdict?.headline).toBe(FULL_SCREEN.headline);
      await pty.restart();
      // The hang-up is seen by the read side, by the link's watch of the device node
      // (hardware/serial/serial-link.ts), or by the next write: the daemon writes its status line
      // every 30 s, so this test does too while it waits.
      await eventually(
        () => {
          if (losses.length < round) display?.showStatus(STATUS);
          return losses.length === round;
        },
        `loss ${round} reported`,
        15_000,
        200,
      );
    }
    // Three outages, each waited for generously: a loaded CI machine sees the hang-up late.
  }, 90_000);
});
