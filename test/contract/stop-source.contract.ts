/**
 * What every StopSource must do, run against the fake and the serial adapter. The harness moves
 * the bus through the source's own input (the fake's arrive(), a line on the serial port).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CurrentStop, StopSource } from '../../hardware/ports/stop-source.js';
import type { FakeClock } from '../../simulator/fakes/fake-clock.js';
import { eventually, pause } from '../helpers/pty.js';

export interface StopSourceUnderTest {
  readonly source: StopSource;
  readonly clock: FakeClock;
  /** The bus reaches `stop` (resolves once the input was delivered to the source's input). */
  arrive(route: string, stop: string, trip?: string): Promise<void>;
  /** Input the source must refuse (a bad line; the fake's fail()). */
  garbage(): Promise<void>;
  dispose(): Promise<void>;
}

export function describeStopSourceContract(name: string, create: () => Promise<StopSourceUnderTest>): void {
  describe(`StopSource contract: ${name}`, () => {
    let ut: StopSourceUnderTest | null = null;
    const start = async (): Promise<StopSourceUnderTest> => {
      ut = await create();
      await ut.source.start();
      return ut;
    };
    afterEach(async () => {
      await ut?.source.stop();
      await ut?.dispose();
      ut = null;
    });

    it('has no current stop before the first one', async () => {
      const t = await start();
      expect(t.source.current()).toBeNull();
    });

    it('makes an arrival current, stamped with the clock, and tells observers', async () => {
      const t = await start();
      const seen: CurrentStop[] = [];
      t.source.subscribe({ onStop: (s) => seen.push(s), onError: () => {} });
      t.clock.set('2026-04-01T08:00:00+09:00');
      await t.arrive('81', 'matsue-sta', 'T81-0758');
      const current = await eventually(() => t.source.current() ?? undefined, 'a current stop');
      expect(current).toEqual({
        route_id: '81',
        trip_id: 'T81-0758',
        stop_id: 'matsue-sta',
        at: Date.parse('2026-04-01T08:00:00+09:00'),
      });
      await eventually(() => seen.length === 1, 'onStop');
      expect(seen[0]).toEqual(current);
    });

    it('leaves trip_id undefined when the controller gives none', async () => {
      const t = await start();
      await t.arrive('81', 'kencho-mae');
      const current = await eventually(() => t.source.current() ?? undefined, 'a current stop');
      expect(current.trip_id).toBeUndefined();
      expect(current.stop_id).toBe('kencho-mae');
    });

    it('keeps the last good stop current on bad input, and reports it', async () => {
      const t = await start();
      const errors: Error[] = [];
      t.source.subscribe({ onStop: () => {}, onError: (e) => errors.push(e) });
      await t.arrive('81', 'matsue-sta');
      await eventually(() => t.source.current()?.stop_id === 'matsue-sta', 'the first stop');
      await t.garbage();
      await eventually(() => errors.length > 0, 'an error report');
      expect(t.source.current()?.stop_id).toBe('matsue-sta');
    });

    it('takes the next good stop after bad input', async () => {
      const t = await start();
      await t.arrive('81', 'matsue-sta');
      await t.garbage();
      await t.arrive('81', 'kencho-mae');
      await eventually(() => t.source.current()?.stop_id === 'kencho-mae', 'the stop after the bad input');
    });

    it('stops telling an observer that unsubscribed', async () => {
      const t = await start();
      const seen: string[] = [];
      const off = t.source.subscribe({ onStop: (s) => seen.push(s.stop_id), onError: () => {} });
      await t.arrive('81', 'a1');
      await eventually(() => seen.length === 1, 'the first stop');
      off();
      await t.arrive('81', 'a2');
      await eventually(() => t.source.current()?.stop_id === 'a2', 'the second stop');
      await pause(20);
      expect(seen).toEqual(['a1']);
    });

    it('refuses an observer without both handlers', async () => {
      const t = await start();
      expect(() => t.source.subscribe({ onStop: () => {} } as never)).toThrow(TypeError);
    });

    it('stop() can be called twice and keeps the last stop readable', async () => {
      const t = await start();
      await t.arrive('81', 'matsue-sta');
      await eventually(() => t.source.current() !== null, 'a stop');
      await t.source.stop();
      await t.source.stop();
      expect(t.source.current()?.stop_id).toBe('matsue-sta');
    });
  });
}
