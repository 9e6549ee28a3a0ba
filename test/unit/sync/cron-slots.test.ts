import cron from 'node-cron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CronSlots } from '../../../sync/bus/cron-slots.js';

/** Next slots in Asia/Tokyo from any instant, checked against node-cron's own matcher. */
const at = (iso: string) => Date.parse(iso);
const slotsFor: CronSlots[] = [];
function slots(expression: string, timezone = 'Asia/Tokyo'): CronSlots {
  const s = new CronSlots(expression, timezone);
  slotsFor.push(s);
  return s;
}

let savedTz: string | undefined;
beforeAll(() => {
  // The bus's own zone must not matter: Tokyo slots whatever the system says.
  savedTz = process.env.TZ;
  process.env.TZ = 'America/New_York';
});
afterAll(() => {
  process.env.TZ = savedTz;
  if (savedTz === undefined) delete process.env.TZ;
  for (const s of slotsFor) s.dispose();
  expect(cron.getTasks().size).toBe(0);
});

describe('cron slots', () => {
  it.each([
    ['30 2 * * *', '2026-04-15T10:00:00+09:00', '2026-04-16T02:30:00+09:00'],
    ['30 2 * * *', '2026-04-16T02:29:59.999+09:00', '2026-04-16T02:30:00+09:00'],
    ['30 2 * * *', '2026-04-16T02:30:00+09:00', '2026-04-17T02:30:00+09:00'],
    ['15 3 * * *', '1970-01-01T00:00:00Z', '1970-01-02T03:15:00+09:00'],
    ['0 3 * * *', '2027-12-31T23:59:59+09:00', '2028-01-01T03:00:00+09:00'],
    ['0 0 12 L * *', '2026-02-10T00:00:00+09:00', '2026-02-28T12:00:00+09:00'],
    ['0 0 12 L * *', '2028-02-10T00:00:00+09:00', '2028-02-29T12:00:00+09:00'],
    ['0 30 2 * * 0', '2026-04-15T10:00:00+09:00', '2026-04-19T02:30:00+09:00'],
    ['0 0 0 29 2 *', '2026-03-01T00:00:00+09:00', '2028-02-29T00:00:00+09:00'],
    ['*/15 * * * * *', '2026-04-15T10:00:07+09:00', '2026-04-15T10:00:15+09:00'],
    ['@daily', '2026-04-15T10:00:00+09:00', '2026-04-16T00:00:00+09:00'],
  ])('%s after %s is %s (Tokyo)', (expression, after, expected) => {
    expect(new Date(slots(expression).next(at(after))).toISOString()).toBe(
      new Date(at(expected)).toISOString(),
    );
  });

  it('agrees with node-cron second by second, from any instant', () => {
    const cases: Array<[string, string]> = [
      ['*/7 * * * * *', '2026-04-15T08:58:13.5+09:00'],
      ['*/7 * * * * *', '2026-04-15T23:59:59+09:00'],
      ['0 */5 9-10 * * *', '2026-04-15T08:58:13.5+09:00'],
      ['0 */5 9-10 * * *', '2026-04-15T10:53:20+09:00'],
    ];
    for (const [expression, after] of cases) {
      const task = cron.createTask(expression, () => undefined, { timezone: 'Asia/Tokyo' });
      try {
        const from = at(after);
        let t = Math.floor(from / 1000) * 1000 + 1000;
        while (!task.match(new Date(t)) && t < from + 2 * 3_600_000) t += 1000;
        expect(slots(expression).next(from)).toBe(t);
      } finally {
        void task.destroy();
      }
    }
  });

  it('takes a year-long jump in one step: the slot after, not every slot between', () => {
    const s = slots('*/15 * * * * *');
    const from = at('2027-04-15T10:00:01+09:00');
    expect(s.next(from)).toBe(at('2027-04-15T10:00:15+09:00'));
  });

  it('works in another zone too', () => {
    const s = slots('30 2 * * *', 'Europe/London');
    expect(new Date(s.next(at('2026-06-01T12:00:00+01:00'))).toISOString()).toBe('2026-06-02T01:30:00.000Z');
    expect(new Date(s.next(at('2026-12-01T12:00:00Z'))).toISOString()).toBe('2026-12-02T02:30:00.000Z');
  });
});
