/**
 * The simulators' entry points as shipped (dist/, built by the vitest global setup), on real ptys:
 * the display unit answers the adapter and draws the screen; the stop player feeds the source.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LABEL_JA } from '../../device/display/messages-ja.js';
import { toneLine } from '../../device/display/screen-lines.js';
import type { CurrentStop } from '../../hardware/ports/stop-source.js';
import { SerialDisplay } from '../../hardware/serial/serial-display.js';
import { SerialStopSource } from '../../hardware/serial/serial-stop-source.js';
import { FakeClock } from '../../simulator/fakes/fake-clock.js';
import { FULL_SCREEN } from '../contract/driver-display.contract.js';
import { disposeAllPtys, eventually, openPtyPair } from '../helpers/pty.js';

afterAll(disposeAllPtys);

const root = resolve(import.meta.dirname, '../..');
const DISPLAY_MAIN = resolve(root, 'dist/simulator/display-unit/main.js');
const PLAYER_MAIN = resolve(root, 'dist/simulator/stop-player/main.js');

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
function run(main: string, args: string[]): Run {
  const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (out += t));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

describe('simulator entry points on real ptys', () => {
  let display: SerialDisplay | null = null;
  let source: SerialStopSource | null = null;
  afterEach(async () => {
    await display?.close(100);
    await source?.stop();
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('display-unit --help prints usage and exits 0', async () => {
    const r = run(DISPLAY_MAIN, ['--help']);
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain('--path /dev/pts/N');
  });

  it('display-unit answers the adapter and draws the verdict, the tone and its counters', async () => {
    const pty = await openPtyPair();
    const r = run(DISPLAY_MAIN, [
      '--path',
      pty.b,
      '--encoding',
      'shift_jis',
      '--no-colour',
      '--title',
      'bus-101',
    ]);
    await eventually(() => r.out().includes(LABEL_JA.idle), 'the idle screen', 10_000);
    display = new SerialDisplay({
      path: pty.a,
      baud: 115200,
      encoding: 'shift_jis',
      ackTimeoutMs: 200,
      maxRetries: 3,
      queueLimit: 8,
    });
    const acked: string[] = [];
    display.watch({ acked: (e) => acked.push(e.type) });
    await display.open();
    display.showVerdict(FULL_SCREEN);
    display.play('accept');
    await eventually(() => acked.length === 3, 'ping, verdict and signal acknowledged', 5000);
    await eventually(() => r.out().includes(toneLine('accept')), 'the tone drawn');
    expect(r.out()).toContain(FULL_SCREEN.headline);
    expect(r.out()).toContain('bus-101');
    expect(r.out()).toMatch(/frames [3-9]/);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });

  it('stop-player plays the stops into the source and exits 0', async () => {
    const pty = await openPtyPair();
    source = new SerialStopSource({ path: pty.a, baud: 9600, clock: new FakeClock() });
    const stops: CurrentStop[] = [];
    source.subscribe({ onStop: (s) => stops.push(s), onError: () => {} });
    await source.start();
    const r = run(PLAYER_MAIN, ['--path', pty.b, '--route', '81', '--stops', 'a1,a2', '--interval-ms', '50']);
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain('$STOP,81,,a1*');
    await eventually(() => stops.length === 2, 'two stops');
    expect(stops.map((s) => s.stop_id)).toEqual(['a1', 'a2']);
  });
});
