/**
 * Real pseudo-terminal pairs for serial tests: `socat -d -d pty,raw,echo=0 pty,raw,echo=0`, started
 * and killed by the tests. Each end also gets a stable symlink (`a`, `b` in a temp dir) that
 * survives `restart()`, so an adapter can find "the same device" after the peer came back, as a
 * udev name does on the bus. Every socat started here is killed by `dispose()`, by
 * `disposeAllPtys()` (call it in afterAll) and, as a last resort, when the test process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** Stable paths of the two ends (symlinks to the current /dev/pts names). */
  readonly a: string;
  readonly b: string;
  /** The /dev/pts names socat reported for the current run. */
  readonly ptsA: string;
  readonly ptsB: string;
  readonly running: boolean;
  /** Kills socat: both ends vanish, as when a USB-serial unit is unplugged. */
  kill(): Promise<void>;
  /** Starts socat again on the same link paths (new /dev/pts names). */
  restart(): Promise<void>;
  /** Kills socat and removes the temp dir. Safe to call twice. */
  dispose(): Promise<void>;
}

const live = new Set<ChildProcess>();
const pairs = new Set<PtyPair>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const START_TIMEOUT_MS = 5000;

export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  let child: ChildProcess | null = null;
  let names: [string, string] = ['', ''];

  const start = async (): Promise<void> => {
    rmSync(a, { force: true });
    rmSync(b, { force: true });
    const started = await startSocat(a, b);
    child = started.child;
    names = started.names;
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = null;
    if (c) await stopChild(c);
  };
  await start();
  const pair: PtyPair = {
    a,
    b,
    get ptsA() {
      return names[0];
    },
    get ptsB() {
      return names[1];
    },
    get running() {
      return child !== null;
    },
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    dispose: async () => {
      pairs.delete(pair);
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  pairs.add(pair);
  return pair;
}

/** Disposes every pair this test file opened (afterAll). */
export async function disposeAllPtys(): Promise<void> {
  await Promise.all([...pairs].map((p) => p.dispose()));
}

function startSocat(a: string, b: string): Promise<{ child: ChildProcess; names: [string, string] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    const names: string[] = [];
    let stderr = '';
    const timer = setTimeout(
      () => fail(new Error(`socat did not start in ${START_TIMEOUT_MS} ms: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`socat exited (${code}) before it was ready: ${stderr}`)));
    child.stderr!.setEncoding('utf8');
    let ready = false;
    child.stderr!.on('data', (text: string) => {
      // Keep reading after start-up so socat never blocks on a full pipe; only parse until ready.
      if (ready) return;
      stderr += text;
      for (const m of text.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) names.push(m[1]!);
      // socat prints this once both ptys exist and the links are made.
      if (names.length >= 2 && stderr.includes('starting data transfer loop')) {
        ready = true;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        child.once('exit', () => live.delete(child));
        child.on('error', () => {});
        resolve({ child, names: [names[0]!, names[1]!] });
      }
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 10,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Sleep for tests that must let time pass (back-off, "nothing more arrives"). */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
