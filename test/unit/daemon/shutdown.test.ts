import { describe, expect, it } from 'vitest';
import { Shutdown } from '../../../device/daemon/shutdown.js';
import { silentLogger } from '../../../device/log/logger.js';

describe('shutdown path', () => {
  it('runs every step once, in order, even when called twice', async () => {
    const s = new Shutdown(silentLogger());
    const ran: string[] = [];
    s.add('reader', () => {
      ran.push('reader');
    });
    s.add('records', async () => {
      ran.push('records');
    });
    const [a, b] = await Promise.all([s.run('SIGTERM', 1000), s.run('SIGINT', 1000)]);
    expect(a).toBe(true);
    expect(b).toBe(true);
    expect(ran).toEqual(['reader', 'records']);
  });

  it('still closes the database after a hanging step spent the deadline', async () => {
    const s = new Shutdown(silentLogger());
    const ran: string[] = [];
    s.add('hangs', () => new Promise(() => {}));
    s.add('display', () => {
      ran.push('display');
    });
    s.add(
      'database',
      () => {
        ran.push('database');
      },
      { always: true },
    );
    expect(await s.run('test', 100)).toBe(false);
    expect(ran).toEqual(['database']);
  });

  it('keeps closing the database after a step that throws', async () => {
    const s = new Shutdown(silentLogger());
    const ran: string[] = [];
    s.add('fails', () => {
      throw new Error('boom');
    });
    s.add('database', () => {
      ran.push('database');
    });
    expect(await s.run('test', 1000)).toBe(false);
    expect(ran).toEqual(['database']);
  });
});
