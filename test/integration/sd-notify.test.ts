/**
 * A real `teiki run` (console readers) under an emulated service manager: NOTIFY_SOCKET points at
 * a datagram socket made by the test (sd-notify-socket.ts), WATCHDOG_USEC asks for pings every
 * 200 ms, and the real systemd-notify carries every message, as on the bus.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TeikiProcess } from '../helpers/cli.js';
import { CONSOLE_CONFIG, DESIGN_IDM, makeWorkdir, type Workdir } from '../helpers/workdir.js';
import { NotifySocket, withEnv } from './sd-notify-socket.js';

const WATCHDOG_USEC = '400000';

let w: Workdir | undefined;
let proc: TeikiProcess | undefined;
let socket: NotifySocket | undefined;
let emptyDir: string | undefined;
afterEach(async () => {
  proc?.kill('SIGKILL');
  await proc?.exited;
  socket?.close();
  w?.cleanup();
  if (emptyDir) rmSync(emptyDir, { recursive: true, force: true });
  w = proc = socket = emptyDir = undefined;
});

function runUnder(env: Record<string, string | undefined>): TeikiProcess {
  w = makeWorkdir(CONSOLE_CONFIG);
  const config = w.config;
  // INVOCATION_ID: a test run from inside a systemd service must not look like the service itself.
  const base = {
    NOTIFY_SOCKET: undefined,
    WATCHDOG_USEC: undefined,
    WATCHDOG_PID: undefined,
    INVOCATION_ID: undefined,
  };
  return withEnv({ ...base, ...env }, () => new TeikiProcess(['run', '--config', config]));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sd_notify from teiki run', () => {
  it('sends READY=1 once ready, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 on SIGTERM', async () => {
    socket = await NotifySocket.open();
    proc = runUnder({ NOTIFY_SOCKET: socket.path, WATCHDOG_USEC });
    const pid = String(proc.child.pid);

    const ready = await socket.waitFor('READY');
    const readyLog = await proc.waitFor((l) => l.msg === 'ready');
    expect(Date.parse(readyLog.time as string)).toBeLessThanOrEqual(ready.at);
    expect(ready.fields).toMatchObject({ MAINPID: pid, STATUS: 'taking taps' });

    proc.send(`stop 81 matsue-sta\ntap ${DESIGN_IDM} boarding\n`);
    await proc.waitFor((l) => l.msg === 'tap');
    await sleep(1500);
    const pings = socket.with('WATCHDOG');
    expect(pings.length).toBeGreaterThanOrEqual(4);
    expect(pings.every((p) => p.fields.MAINPID === pid && p.at > ready.at)).toBe(true);
    const gaps = pings.slice(1).map((p, i) => p.at - pings[i]!.at);
    expect(median(gaps)).toBeGreaterThanOrEqual(150);
    expect(median(gaps)).toBeLessThan(350);

    proc.kill('SIGTERM');
    const stopping = await socket.waitFor('STOPPING');
    expect(stopping.fields.MAINPID).toBe(pid);
    expect((await proc.exited).code).toBe(0);
    expect(socket.with('WATCHDOG').filter((p) => p.at > stopping.at)).toEqual([]);
  });

  it('sends no WATCHDOG=1 while the tap loop is stalled, and pings again once it runs', async () => {
    socket = await NotifySocket.open();
    // 1.5 s after start-up the event loop is blocked for 2 s (device/daemon/watchdog-stall.ts).
    proc = runUnder({ NOTIFY_SOCKET: socket.path, WATCHDOG_USEC, TEIKI_DEBUG_STALL: '1500:2000' });
    const ended = await proc.waitFor((l) => l.msg === 'debug stall ended');
    const from = ended.from as number;
    const until = ended.until as number;
    expect(until - from).toBeGreaterThanOrEqual(1990);
    const resumed = await proc.waitFor((l) => l.msg === 'watchdog pings resumed');
    expect(resumed).toBeDefined();
    await sleep(300);

    const pings = socket.with('WATCHDOG').map((p) => p.at);
    expect(pings.filter((t) => t < from).length).toBeGreaterThanOrEqual(3);
    // A helper spawned just before the stall may still be delivering for a moment after it began.
    expect(pings.filter((t) => t > from + 250 && t < until)).toEqual([]);
    expect(pings.filter((t) => t > until).length).toBeGreaterThanOrEqual(1);
    expect(
      proc.lines.some((l) => l.msg === 'watchdog ping withheld' && l.problem === 'event loop stalled'),
    ).toBe(true);
  });

  it('keeps taking taps when systemd-notify is not installed', async () => {
    emptyDir = mkdtempSync(join(tmpdir(), 'teiki-nopath-'));
    proc = runUnder({ NOTIFY_SOCKET: join(emptyDir, 'notify'), WATCHDOG_USEC, PATH: emptyDir });
    await proc.waitFor((l) => l.msg === 'ready');
    const err = await proc.waitFor((l) => l.component === 'systemd' && l.level === 'error');
    expect(err.code).toBe('ENOENT');
    proc.send(`stop 81 matsue-sta\ntap ${DESIGN_IDM} boarding\n`);
    await proc.waitFor((l) => l.msg === 'tap');
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    expect(proc.lines.filter((l) => l.component === 'systemd' && l.level === 'error')).toHaveLength(1);
  });

  it('keeps taking taps when nobody listens on NOTIFY_SOCKET', async () => {
    emptyDir = mkdtempSync(join(tmpdir(), 'teiki-nosock-'));
    proc = runUnder({ NOTIFY_SOCKET: join(emptyDir, 'notify'), WATCHDOG_USEC });
    await proc.waitFor((l) => l.msg === 'ready');
    const failed = await proc.waitFor((l) => l.msg === 'systemd-notify failed');
    expect(failed.code).toBe(1);
    proc.send(`stop 81 matsue-sta\ntap ${DESIGN_IDM} boarding\n`);
    await proc.waitFor((l) => l.msg === 'tap');
    await sleep(600);
    // Logged once, not at every ping.
    expect(proc.lines.filter((l) => l.msg === 'systemd-notify failed')).toHaveLength(1);
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });
});
