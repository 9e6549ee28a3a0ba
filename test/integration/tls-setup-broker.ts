/**
 * Runs Debian's mosquitto on the files `teiki depot tls init` wrote, as they are: its
 * mosquitto.conf, certificates and ACL (test/integration/tls-setup.test.ts). As root, the TLS and
 * persistence directories are handed to the `mosquitto` user and the broker drops to it, as the
 * Debian service does; so the log holds nothing but what the configuration itself causes.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, readdirSync, statSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';

const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

export interface GeneratedBroker {
  readonly child: ChildProcess;
  /** Everything mosquitto logged so far. */
  log(): string;
  /** SIGHUP: mosquitto reads its configuration and ACL again; resolves once it logged that. */
  reload(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** As root: gives these trees to the `mosquitto` user, which the broker switches to at start. */
export function handToBrokerUser(...dirs: string[]): void {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'mosquitto'], { encoding: 'utf8' }).trim());
  const walk = (path: string) => {
    chownSync(path, uid, gid);
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  for (const dir of dirs) walk(dir);
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(what: string, test: () => boolean | Promise<boolean>, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`mosquitto: ${what} within 10 s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts `mosquitto -c CONF` and resolves once it listens on `port`; rejects with its log if not. */
export async function startGeneratedBroker(conf: string, port: number): Promise<GeneratedBroker> {
  let log = '';
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (b: Buffer) => {
    log += b.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  try {
    await until(
      `no listener on port ${port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`mosquitto exited ${child.exitCode}:\n${log}`);
        return log.includes(`listen socket on port ${port}`) && (await answers(port));
      },
      () => log,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    child,
    log: () => log,
    async reload() {
      const before = log.length;
      child.kill('SIGHUP');
      await until(
        'no "Reloading config"',
        () => log.slice(before).includes('Reloading config'),
        () => log,
      );
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
