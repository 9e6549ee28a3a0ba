/**
 * SerialDisplay against a display unit that loses, delays, damages and refuses its answers:
 * frames are resent and delivered once, or reported; nothing hangs.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { excessHeadline } from '../../device/display/messages-ja.js';
import type { VerdictScreen } from '../../hardware/ports/driver-display.js';
import { DeviceIoError } from '../../hardware/ports/errors.js';
import { SerialDisplay, type SerialDisplayOptions } from '../../hardware/serial/serial-display.js';
import {
  type AttachedUnit,
  type AttachOptions,
  attachDisplayUnit,
} from '../../simulator/display-unit/attach.js';
import { mulberry32 } from '../../simulator/generate-passes.js';
import { FULL_SCREEN } from '../contract/driver-display.contract.js';
import { disposeAllPtys, eventually, openPtyPair, pause } from '../helpers/pty.js';

afterAll(disposeAllPtys);

const screen = (i: number): VerdictScreen => ({ ...FULL_SCREEN, excess: i, headline: excessHeadline(i) });

describe('display retries on a real pty', () => {
  let display: SerialDisplay | null = null;
  let peer: AttachedUnit | null = null;
  afterEach(async () => {
    await display?.close(100);
    await peer?.close();
  });

  async function rig(unit: Omit<AttachOptions, 'encoding'>, host: Partial<SerialDisplayOptions>) {
    const pty = await openPtyPair();
    peer = await attachDisplayUnit(pty.b, { encoding: 'utf-8', ...unit });
    display = new SerialDisplay({
      path: pty.a,
      baud: 115200,
      encoding: 'utf-8',
      ackTimeoutMs: 40,
      maxRetries: 12,
      queueLimit: 8,
      ...host,
    });
    const attempts: number[] = [];
    const errors: Error[] = [];
    display.watch({ frameWritten: (e) => attempts.push(e.attempt) });
    display.subscribe({ onError: (e) => errors.push(e) });
    await display.open();
    return { display, unit: peer.unit, attempts, errors };
  }

  it('delivers every verdict once through lost, damaged and refused answers', async () => {
    const r = await rig({ dropAcks: 0.25, corrupt: 0.15, nak: 0.15, random: mulberry32(7) }, {});
    for (let i = 0; i < 10; i++) {
      r.display.showVerdict(screen(i));
      await eventually(() => r.unit.state.verdict?.excess === i, `verdict ${i}`);
    }
    await pause(100);
    const shown = r.unit.messages.flatMap((m) => (m.type === 'verdict' ? [m.screen.excess] : []));
    expect(shown).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Math.max(...r.attempts)).toBeGreaterThan(1);
    expect(r.unit.counters.duplicates + r.unit.counters.naks).toBeGreaterThan(0);
    expect(r.errors).toEqual([]);
  });

  it('resends while the answer is late, and the unit shows the frame once', async () => {
    const r = await rig({ delayMs: 120 }, { ackTimeoutMs: 50, maxRetries: 5 });
    for (let i = 0; i < 3; i++) {
      r.display.showVerdict(screen(i));
      await eventually(() => r.unit.state.verdict?.excess === i, `verdict ${i}`);
    }
    await pause(300);
    expect(r.unit.messages.filter((m) => m.type === 'verdict')).toHaveLength(3);
    expect(r.unit.counters.duplicates).toBeGreaterThan(0);
    expect(Math.max(...r.attempts)).toBeGreaterThan(1);
    expect(r.errors).toEqual([]);
  });

  it('reports each frame a silent unit never acknowledges, after max_retries resends', async () => {
    const r = await rig({ dropAcks: 1 }, { ackTimeoutMs: 30, maxRetries: 2 });
    r.display.showVerdict(screen(1));
    r.display.play('reject');
    // PING (sent on open), VERDICT, SIGNAL: each tried 3 times, then reported.
    await eventually(() => r.errors.length === 3, 'three reports', 3000);
    for (const e of r.errors) {
      expect(e).toBeInstanceOf(DeviceIoError);
      expect((e as DeviceIoError).disconnected).toBe(false);
      expect(e.message).toMatch(/did not acknowledge (PING|VERDICT|SIGNAL) seq \d+ after 3 attempts/);
    }
    await eventually(() => r.attempts.length === 9, 'nine writes');
    expect(Math.max(...r.attempts)).toBe(3);
    expect(r.unit.messages.map((m) => m.type)).toEqual(['ping', 'verdict', 'signal']);
  });

  it('closes by its deadline while a silent unit holds frames back', async () => {
    const r = await rig({ dropAcks: 1 }, { ackTimeoutMs: 500, maxRetries: 10 });
    const dropped: string[] = [];
    r.display.watch({ dropped: (e) => dropped.push(`${e.type}:${e.why}`) });
    r.display.showVerdict(screen(1));
    r.display.showStatus({
      listVersion: 1,
      listAgeMinutes: 0,
      listStale: false,
      link: 'online',
      readers: [],
      alarms: [],
    });
    const started = Date.now();
    await r.display.close(150);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(dropped).toEqual(['ping:closed', 'verdict:closed', 'status:closed']);
    expect(r.display.linkState).toBe('closed');
  });

  it('refuses to start on a path that does not exist, naming it', async () => {
    const d = new SerialDisplay({
      path: '/dev/teiki-no-such-display',
      baud: 115200,
      encoding: 'utf-8',
      ackTimeoutMs: 50,
      maxRetries: 1,
      queueLimit: 4,
    });
    await expect(d.open()).rejects.toThrow(/\/dev\/teiki-no-such-display does not exist/);
    await expect(d.open()).rejects.toThrow();
    await d.close();
  });
});
