import { describe, expect, it } from 'vitest';
import { DISPLAY_UNIT_HELP, runDisplayUnitCli } from '../../../simulator/display-unit/cli.js';
import { runStopPlayerCli, STOP_PLAYER_HELP } from '../../../simulator/stop-player/cli.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), isTty: false } };
}

describe('display-unit command line', () => {
  it('prints its help', async () => {
    const t = io();
    expect(await runDisplayUnitCli(['--help'], t.io)).toBe(0);
    expect(t.out.join('')).toBe(DISPLAY_UNIT_HELP);
    expect(DISPLAY_UNIT_HELP).toContain('--drop-acks');
  });

  it('names a missing path and bad probabilities, exit 2', async () => {
    const t = io();
    const code = await runDisplayUnitCli(['--path', '/dev/nonexistent-pty', '--drop-acks', '2'], t.io);
    expect(code).toBe(2);
    expect(t.err.join('')).toContain('/dev/nonexistent-pty does not exist');
    expect(t.err.join('')).toContain('--drop-acks must be a number from 0 to 1');
  });

  it('refuses an unknown option, exit 2', async () => {
    const t = io();
    expect(await runDisplayUnitCli(['--colour-scheme', 'x'], t.io)).toBe(2);
  });
});

describe('stop-player command line', () => {
  it('prints its help', async () => {
    const t = io();
    expect(await runStopPlayerCli(['--help'], t.io)).toBe(0);
    expect(t.out.join('')).toBe(STOP_PLAYER_HELP);
  });

  it('names what is missing, exit 2', async () => {
    const t = io();
    expect(await runStopPlayerCli(['--interval-ms', 'soon'], t.io)).toBe(2);
    const text = t.err.join('');
    for (const part of ['--path is required', '--route is required', '--stops needs', '--interval-ms must']) {
      expect(text).toContain(part);
    }
  });
});
