/**
 * What every DriverDisplay + PassengerSignal must do (STYLE.md #2: one suite per port, run against
 * the fake and the real adapter). A harness says what the driver and passenger actually got.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALARM_JA, excessHeadline, KIND_JA, REASON_JA } from '../../device/display/messages-ja.js';
import type {
  DriverDisplay,
  StatusLine,
  VerdictScreen,
  VerdictTone,
} from '../../hardware/ports/driver-display.js';
import type { PassengerSignal } from '../../hardware/ports/passenger-signal.js';
import { eventually, pause } from '../helpers/pty.js';

export interface DisplayUnderTest {
  readonly display: DriverDisplay;
  readonly signal: PassengerSignal;
  /** What reached the screen, the buzzer and the light so far, in order. */
  shown(): { verdicts: VerdictScreen[]; statuses: StatusLine[]; tones: VerdictTone[] };
  dispose(): Promise<void>;
}

export const FULL_SCREEN: VerdictScreen = {
  verdict: 'excess',
  reason: 'excess_fare',
  tone: 'attention',
  reader: 'alighting',
  headline: excessHeadline(120),
  kind: KIND_JA.disability,
  validUntil: '2026-06-30',
  excess: 120,
  fare: 360,
  card: 'JW1234********789',
};

export const BARE_SCREEN: VerdictScreen = {
  verdict: 'reject',
  reason: 'no_pass',
  tone: 'reject',
  reader: null,
  headline: REASON_JA.no_pass,
  kind: null,
  validUntil: null,
  excess: null,
  fare: null,
  card: null,
};

export const STATUS: StatusLine = {
  listVersion: 20260401,
  listAgeMinutes: 95,
  listStale: true,
  link: 'offline',
  readers: [
    { reader: 'boarding', state: 'connected' },
    { reader: 'alighting', state: 'disconnected' },
  ],
  alarms: [ALARM_JA.recordFailed, ALARM_JA.readerGone],
};

export function describeDriverDisplayContract(name: string, create: () => Promise<DisplayUnderTest>): void {
  describe(`DriverDisplay + PassengerSignal contract: ${name}`, () => {
    let ut: DisplayUnderTest | null = null;
    const start = async (): Promise<DisplayUnderTest> => {
      ut = await create();
      return ut;
    };
    afterEach(async () => {
      await ut?.dispose();
      ut = null;
    });

    it('shows a verdict with every field and its Japanese text intact', async () => {
      const t = await start();
      t.display.showVerdict(FULL_SCREEN);
      const [shown] = await eventually(
        () => t.shown().verdicts.length === 1 && t.shown().verdicts,
        'the verdict',
      );
      expect(shown).toEqual(FULL_SCREEN);
    });

    it('keeps absent details absent (null stays null)', async () => {
      const t = await start();
      t.display.showVerdict(BARE_SCREEN);
      const [shown] = await eventually(
        () => t.shown().verdicts.length === 1 && t.shown().verdicts,
        'the verdict',
      );
      expect(shown).toEqual(BARE_SCREEN);
    });

    it('shows the status line: list version and age, staleness, link, readers and alarms', async () => {
      const t = await start();
      t.display.showStatus(STATUS);
      const statuses = await eventually(
        () => t.shown().statuses.length > 0 && t.shown().statuses,
        'the status',
      );
      expect(statuses.at(-1)).toEqual(STATUS);
    });

    it('plays accept, reject and attention in the order asked', async () => {
      const t = await start();
      for (const tone of ['accept', 'reject', 'attention'] as const) t.signal.play(tone);
      const tones = await eventually(() => t.shown().tones.length === 3 && t.shown().tones, 'three tones');
      expect(tones).toEqual(['accept', 'reject', 'attention']);
    });

    it('leaves the newest verdict on screen after a burst, never an older one last', async () => {
      const t = await start();
      const burst = Array.from({ length: 12 }, (_, i) => ({
        ...FULL_SCREEN,
        excess: i,
        headline: excessHeadline(i),
      }));
      for (const s of burst) t.display.showVerdict(s);
      await eventually(() => t.shown().verdicts.at(-1)?.excess === 11, 'the newest verdict');
      const order = t.shown().verdicts.map((v) => v.excess);
      expect(order).toEqual([...order].sort((x, y) => (x ?? 0) - (y ?? 0)));
      expect(t.shown().verdicts.at(-1)).toEqual(burst.at(-1));
    });

    it('never throws from show or play, also after close, and shows nothing after close', async () => {
      const t = await start();
      await t.display.close();
      await t.signal.close();
      expect(() => t.display.showVerdict(FULL_SCREEN)).not.toThrow();
      expect(() => t.display.showStatus(STATUS)).not.toThrow();
      expect(() => t.signal.play('accept')).not.toThrow();
      await pause(50);
      expect(t.shown().verdicts).toEqual([]);
      expect(t.shown().tones).toEqual([]);
    });

    it('close() can be called twice', async () => {
      const t = await start();
      t.display.showVerdict(BARE_SCREEN);
      await Promise.all([t.display.close(), t.display.close()]);
      await t.display.close();
      await t.signal.close();
    });

    it('refuses an observer without onError, and unsubscribes', async () => {
      const t = await start();
      expect(() => t.display.subscribe({} as never)).toThrow(TypeError);
      expect(() => t.signal.subscribe({} as never)).toThrow(TypeError);
      const off = t.display.subscribe({ onError: () => {} });
      expect(typeof off).toBe('function');
      off();
    });
  });
}
