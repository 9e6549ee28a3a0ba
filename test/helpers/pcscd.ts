/**
 * A real pcscd for tests, with vsmartcard's vpcd driver (two virtual readers, "Virtual PCD 00 00"
 * on TCP 35963 and "Virtual PCD 00 01" on 35964, see simulator/vpcd/).
 *
 * Only one pcscd can run on a machine (one socket /run/pcscd/pcscd.comm, one pair of vpcd ports),
 * while vitest runs test files in parallel. So `startPcscd()` first takes a machine-wide lock (an
 * atomic `mkdir` of LOCK_DIR, owner pid recorded, broken when that pid is dead) and holds it until
 * `close()`: other files that need pcscd wait instead of colliding. Call it in `beforeAll` with a
 * timeout above `lockWaitMs`, and `close()` in `afterAll`:
 *
 *   let pcscd: Pcscd;
 *   beforeAll(async () => { pcscd = await startPcscd(); }, PCSCD_HOOK_TIMEOUT_MS);
 *   afterAll(() => pcscd?.close());
 *
 * pcscd runs in the foreground (`-f`) as our child, with its own reader.conf.d (a copy of
 * Debian's /etc/reader.conf.d/vpcd in a temp dir), so a stale one is recognisable as ours. It is
 * SIGTERMed, then SIGKILLed after 3 s, on stop; killed on process exit too. What we did not start
 * is never touched: before each start the helper refuses, naming the holder and how to free it,
 * when a pcscd of the system runs, or anything else listens on pcscd's socket (systemd's
 * pcscd.socket, say) or on vpcd's TCP ports (refuseForeignHolders()).
 * Needs root (pcscd creates /run/pcscd). `--force-reader-polling` is not needed: it concerns USB
 * readers' hotplug capability, and pcscd polls vpcd's serial slots anyway ("Using the pcscd
 * polling thread", every 400 ms).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  describeHolders,
  type Holder,
  tcpPortBindable,
  tcpPortHolders,
  unixSocketHolders,
} from './resource-holders.js';

export const LOCK_DIR = process.env.TEIKI_PCSCD_LOCK ?? '/tmp/teiki-pcscd.lock';
export const PCSCD_SOCKET = '/run/pcscd/pcscd.comm';
const PCSCD_PID_FILE = '/run/pcscd/pcscd.pid';
const CONF_PREFIX = '/tmp/teiki-pcscd-conf-';
/** vpcd slot n listens on 35963 + n (reader.conf CHANNELID 0x8C7B). */
export const VPCD_PORTS = [35963, 35964] as const;
export const VPCD_READERS = ['Virtual PCD 00 00', 'Virtual PCD 00 01'] as const;
/** The `readers` config of a `teiki run` on both vpcd slots: slot 0 boarding, slot 1 alighting. */
export const VPCD_READERS_CONFIG = [
  { driver: 'pcsc', match: VPCD_READERS[0], role: 'boarding' },
  { driver: 'pcsc', match: VPCD_READERS[1], role: 'alighting' },
] as const;
export const DEFAULT_LOCK_WAIT_MS = 240_000;
/** A beforeAll timeout that covers waiting for the lock and starting pcscd. */
export const PCSCD_HOOK_TIMEOUT_MS = DEFAULT_LOCK_WAIT_MS + 30_000;

export interface PcscdOptions {
  /** How long to wait for another test file's pcscd to finish. */
  readonly lockWaitMs?: number;
  /** How long pcscd may take to say "daemon ready". */
  readonly readyTimeoutMs?: number;
  /**
   * Runs pcscd's clock this many times faster, so its 400 ms slot poll becomes 400/N ms, for runs
   * of thousands of taps (issue 7, reader chaos). Default 1: pcscd exactly as installed.
   * How: pcscd runs with LD_PRELOAD of Debian's libfaketime (`FAKETIME=+0 xN`, which scales its
   * sleeps and timed waits) and of vpcd-nodelay.c (TCP_NODELAY on vpcd's sockets; without it each
   * vpcd message stalls 40 ms and the poll speed-up gains nothing). Needs libfaketime and a C
   * compiler; pcscd, vpcd, libpcsclite and everything above them run their own code.
   */
  readonly speed?: number;
}

export interface Pcscd {
  readonly pid: number | null;
  readonly running: boolean;
  readonly vpcdPorts: typeof VPCD_PORTS;
  readonly readerNames: typeof VPCD_READERS;
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** The last lines pcscd printed (info level), for failure messages. */
  logs(): string;
  /** Calls `listener` with every line pcscd prints from now on. Returns an unsubscribe function. */
  onLine(listener: (line: string) => void): () => void;
  /** Stops pcscd and releases the machine-wide lock. Idempotent. */
  close(): Promise<void>;
}

interface LockOwner {
  pid: number;
  token: string;
  pcscdPid: number | null;
  /** The holder's reader.conf.d copy, removed with a stale lock. */
  confDir?: string;
  since: string;
}

/** Tokens of locks this module instance holds (vitest may run several files in one process). */
const heldTokens = new Set<string>();
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startPcscd(o: PcscdOptions = {}): Promise<Pcscd> {
  if (process.getuid?.() !== 0) throw new Error('pcscd tests need root (pcscd creates /run/pcscd)');
  const token = await acquireLock(o.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
  const daemon = new PcscdProcess(token, o.readyTimeoutMs ?? 10_000, o.speed ?? 1);
  try {
    await daemon.start();
  } catch (err) {
    await daemon.close();
    throw err;
  }
  return daemon;
}

export async function withPcscd<T>(fn: (pcscd: Pcscd) => Promise<T>, o: PcscdOptions = {}): Promise<T> {
  const pcscd = await startPcscd(o);
  try {
    return await fn(pcscd);
  } finally {
    await pcscd.close();
  }
}

class PcscdProcess implements Pcscd {
  readonly vpcdPorts = VPCD_PORTS;
  readonly readerNames = VPCD_READERS;
  readonly #token: string;
  readonly #readyTimeoutMs: number;
  readonly #speed: number;
  readonly #confDir: string;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #lines: string[] = [];
  readonly #listeners = new Set<(line: string) => void>();
  #closed = false;

  constructor(token: string, readyTimeoutMs: number, speed: number) {
    this.#token = token;
    this.#readyTimeoutMs = readyTimeoutMs;
    this.#speed = speed;
    this.#confDir = mkdtempSync(CONF_PREFIX);
    // Debian's /etc/reader.conf.d/vpcd: DEVICENAME /dev/null means "listen"; 0x8C7B = 35963.
    writeFileSync(
      join(this.#confDir, 'vpcd'),
      [
        'FRIENDLYNAME "Virtual PCD"',
        'DEVICENAME   /dev/null:0x8C7B',
        'LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so',
        'CHANNELID    0x8C7B',
        '',
      ].join('\n'),
    );
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  logs(): string {
    return this.#lines.join('\n');
  }

  onLine(listener: (line: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.#closed) throw new Error('pcscd helper is closed');
    if (this.running) return;
    clearStalePcscd();
    await refuseForeignHolders();
    const bin = existsSync('/usr/sbin/pcscd') ? '/usr/sbin/pcscd' : 'pcscd';
    // -f: foreground, logs on stdout; -i: info level, which includes "daemon ready".
    const child = spawn(bin, ['-f', '-i', '-c', this.#confDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.#speed === 1 ? process.env : { ...process.env, ...fasterClockEnv(this.#speed) },
    });
    this.#child = child;
    liveChildren.add(child);
    installExitHook();
    let ready = false;
    let failed = '';
    const onLine = (line: string): void => {
      this.#lines.push(line);
      if (this.#lines.length > 400) this.#lines.splice(0, this.#lines.length - 400);
      for (const l of this.#listeners) l(line);
      if (line.includes('daemon ready')) ready = true;
      if (line.includes('Could not initialize connection to virtual ICC')) failed = 'vpcd could not listen';
    };
    lineReader(child.stdout, onLine);
    lineReader(child.stderr, onLine);
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => {
        liveChildren.delete(child);
        resolve();
      });
    });
    child.once('error', (err) => {
      failed = `spawn failed: ${err.message}`;
    });
    writeOwner({
      pid: process.pid,
      token: this.#token,
      pcscdPid: child.pid ?? null,
      confDir: this.#confDir,
      since: new Date().toISOString(),
    });

    const deadline = Date.now() + this.#readyTimeoutMs;
    while (!(ready && (await socketAccepts(PCSCD_SOCKET)))) {
      if (failed || !this.running || Date.now() > deadline) {
        const why =
          failed || (this.running ? 'not ready in time' : `exited (${child.exitCode ?? child.signalCode})`);
        await this.stop();
        throw new Error(`pcscd ${why}\n${this.logs()}`);
      }
      await sleep(25);
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    if (this.running) {
      child.kill('SIGTERM');
      const exited = await Promise.race([this.#exited.then(() => true), sleep(3000).then(() => false)]);
      if (!exited) {
        child.kill('SIGKILL');
        await this.#exited;
      }
    }
    this.#child = null;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.stop();
    } finally {
      rmSync(this.#confDir, { recursive: true, force: true });
      releaseLock(this.#token);
    }
  }
}

// ── the machine-wide lock ──────────────────────────────────────────────────────────────────

async function acquireLock(waitMs: number): Promise<string> {
  const token = randomUUID();
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeOwner({ pid: process.pid, token, pcscdPid: null, since: new Date().toISOString() });
      heldTokens.add(token);
      installExitHook();
      return token;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner();
    if (isStale(owner)) {
      breakStaleLock(owner);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`pcscd lock ${LOCK_DIR} still held by pid ${owner?.pid ?? '?'} after ${waitMs} ms`);
    }
    await sleep(100 + Math.floor(Math.random() * 150));
  }
}

function isStale(owner: LockOwner | null): boolean {
  if (owner === null) {
    // mkdir done, owner not yet written: stale only if that was long ago (the writer crashed).
    try {
      return Date.now() - statSync(LOCK_DIR).mtimeMs > 10_000;
    } catch {
      return false; // just released
    }
  }
  if (!pidAlive(owner.pid)) return true;
  // Same process, token not ours: a test file in this worker ended without close().
  return owner.pid === process.pid && !heldTokens.has(owner.token);
}

function breakStaleLock(owner: LockOwner | null): void {
  // The dead holder's pcscd may still run: kill it, but only if it is one this helper started.
  if (owner?.pcscdPid && isOurPcscd(owner.pcscdPid)) killAndWait(owner.pcscdPid);
  if (owner?.confDir?.startsWith(CONF_PREFIX)) rmSync(owner.confDir, { recursive: true, force: true });
  rmSync(LOCK_DIR, { recursive: true, force: true });
}

function releaseLock(token: string): void {
  heldTokens.delete(token);
  if (readOwner()?.token === token) rmSync(LOCK_DIR, { recursive: true, force: true });
}

function readOwner(): LockOwner | null {
  try {
    return JSON.parse(readFileSync(join(LOCK_DIR, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

function writeOwner(owner: LockOwner): void {
  const tmp = join(LOCK_DIR, `owner.${owner.token}.tmp`);
  writeFileSync(tmp, JSON.stringify(owner));
  // rename is atomic: a reader never sees half an owner file.
  renameSync(tmp, join(LOCK_DIR, 'owner.json'));
}

// ── processes ──────────────────────────────────────────────────────────────────────────────

/**
 * Before starting: a live pcscd we did not start is an error; one of ours (left by a crashed test
 * process) is killed; the files of a dead one are removed, since pcscd refuses to start while its
 * pid file names a process that still answers signal 0 (a zombie no one has reaped does).
 */
function clearStalePcscd(): void {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(PCSCD_PID_FILE, 'utf8').trim(), 10);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pidAlive(pid)) {
    if (isOurPcscd(pid)) killAndWait(pid);
    else if (cmdline(pid).includes('pcscd')) {
      throw new Error(
        `a pcscd not started by the tests is running (pid ${pid}); stop it first: ${STOP_SYSTEM_PCSCD}`,
      );
    }
  }
  rmSync(PCSCD_PID_FILE, { force: true });
  rmSync(PCSCD_SOCKET, { force: true });
}

const STOP_SYSTEM_PCSCD = 'systemctl stop pcscd.socket pcscd (or, without systemd, invoke-rc.d pcscd stop)';

/**
 * pcscd needs its socket and vpcd's ports; a stale socket file (nobody listening) is ours to
 * remove, anything listening there is not ours (our own pcscd was dealt with by clearStalePcscd).
 * Throws one message per resource taken, naming the holder and how to free it. The defaults are
 * the machine's; a unit test hands in its own.
 */
export async function refuseForeignHolders(
  socket: string = PCSCD_SOCKET,
  ports: readonly number[] = VPCD_PORTS,
): Promise<void> {
  const problems: string[] = [];
  if (existsSync(socket)) {
    if (await socketAccepts(socket)) {
      const holders = unixSocketHolders(socket);
      problems.push(
        `pcscd's socket ${socket} is served by ${describeHolders(holders)}, not by these tests; ${howToFree(holders)}`,
      );
    } else {
      rmSync(socket, { force: true }); // a dead pcscd's; pcscd would not bind over it
    }
  }
  for (const port of ports) {
    if (await tcpPortBindable(port)) continue;
    const holders = tcpPortHolders(port);
    problems.push(
      `vpcd's TCP port ${port} (the tests' virtual readers ${VPCD_PORTS.join(' and ')}) is taken by ${describeHolders(holders)}; ${howToFree(holders)}`,
    );
  }
  if (problems.length) throw new Error(`cannot start the tests' pcscd: ${problems.join('; and ')}`);
}

function howToFree(holders: readonly Holder[]): string {
  const isSystemd = holders.some((h) => h.pid === 1);
  const isPcscd = holders.some((h) => /(^|\/)pcscd\b/.test(h.command));
  if (isSystemd || isPcscd) return `stop the system's pcscd first: ${STOP_SYSTEM_PCSCD}`;
  const pids = holders.map((h) => h.pid).join(' ');
  return holders.length ? `stop that process first (kill ${pids}), the tests never do` : 'free it first';
}

function isOurPcscd(pid: number): boolean {
  const cmd = cmdline(pid);
  return cmd.includes('pcscd') && cmd.includes(CONF_PREFIX);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie answers signal 0 but is dead; in a container nobody may ever reap it.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function killAndWait(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  const until = Date.now() + 3000;
  while (pidAlive(pid) && Date.now() < until) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // a synchronous 20 ms pause
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const token of heldTokens)
      if (readOwner()?.token === token) rmSync(LOCK_DIR, { recursive: true, force: true });
  });
}

// ── a faster pcscd (PcscdOptions.speed) ────────────────────────────────────────────────────

/** Debian's libfaketime, multi-threaded variant (pcscd runs a thread per reader). */
const LIBFAKETIME_DIRS = ['/usr/lib/x86_64-linux-gnu/faketime', '/usr/lib/aarch64-linux-gnu/faketime'];
let nodelayShim: string | null = null;

function fasterClockEnv(speed: number): NodeJS.ProcessEnv {
  if (!(speed > 1 && speed <= 1000)) throw new Error(`pcscd speed must be in (1, 1000]: ${speed}`);
  const faketime = LIBFAKETIME_DIRS.map((d) => join(d, 'libfaketimeMT.so.1')).find((f) => existsSync(f));
  if (!faketime) throw new Error('a faster pcscd needs libfaketime (Debian package libfaketime)');
  return {
    LD_PRELOAD: `${faketime}:${buildNodelayShim()}`,
    FAKETIME: `+0 x${speed}`,
  };
}

/** Compiles vpcd-nodelay.c once per test process; the result lives in a temp dir. */
function buildNodelayShim(): string {
  if (nodelayShim && existsSync(nodelayShim)) return nodelayShim;
  const dir = mkdtempSync(join(tmpdir(), 'teiki-vpcd-nodelay-'));
  const out = join(dir, 'libvpcd-nodelay.so');
  const src = fileURLToPath(new URL('./vpcd-nodelay.c', import.meta.url));
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', out, src, '-ldl'], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0)
    throw new Error(
      `cannot build ${src} (a faster pcscd needs a C compiler): ${cc.error?.message ?? cc.stderr}`,
    );
  nodelayShim = out;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return out;
}

// ── small utilities ────────────────────────────────────────────────────────────────────────

function socketAccepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function lineReader(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  });
  stream.on('error', () => {});
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
