/**
 * The pcscd helper never kills what it did not start (issue 11): when pcscd's socket or a vpcd
 * port is held by someone else it refuses at once, naming the holder and how to free it. Here on
 * a socket path and ports of our own, held by real listeners in this process; the machine's own
 * socket and ports, behind the machine-wide lock, are test/system/pcscd-refusal.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { refuseForeignHolders } from '../../helpers/pcscd.js';
import { tcpPortHolders, unixSocketHolders } from '../../helpers/resource-holders.js';

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function listen(where: { path: string } | { port: number; host?: string }): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((c) => c.destroy());
    server.once('error', reject);
    server.listen(where, () => {
      servers.push(server);
      resolve(server);
    });
  });
}

async function takenPort(host?: string): Promise<number> {
  const server = await listen(host ? { port: 0, host } : { port: 0 });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'teiki-refusal-'));
  dirs.push(d);
  return d;
}

describe('pcscd helper: resources it needs but did not take', () => {
  it('traces a listening socket and port to this process through /proc', async () => {
    const sock = join(tempDir(), 'pcscd.comm');
    await listen({ path: sock });
    const port = await takenPort('127.0.0.1');
    expect(unixSocketHolders(sock).map((h) => h.pid)).toContain(process.pid);
    expect(tcpPortHolders(port).map((h) => h.pid)).toContain(process.pid);
    expect(tcpPortHolders(port)[0]?.command).toContain('node');
  });

  it('refuses a pcscd socket someone serves, naming the socket, the holder and how to free it', async () => {
    const sock = join(tempDir(), 'pcscd.comm');
    await listen({ path: sock });
    const err = await refuseForeignHolders(sock, []).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain(`pcscd's socket ${sock} is served by pid ${process.pid} (`);
    expect(message).toContain(`stop that process first (kill ${process.pid}), the tests never do`);
  });

  it('refuses a vpcd port taken on any address, naming the port and the holder', async () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const port = await takenPort(host);
      const err = await refuseForeignHolders(join(tempDir(), 'none'), [port]).catch((e: Error) => e);
      expect((err as Error).message, host).toContain(`vpcd's TCP port ${port} `);
      expect((err as Error).message, host).toContain(`is taken by pid ${process.pid} (`);
    }
  });

  it('names every resource taken in one message', async () => {
    const sock = join(tempDir(), 'pcscd.comm');
    await listen({ path: sock });
    const [a, b] = [await takenPort(), await takenPort()];
    const err = await refuseForeignHolders(sock, [a, b]).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^cannot start the tests' pcscd: pcscd's socket .*; and vpcd's TCP port ${a} .*; and vpcd's TCP port ${b} `,
      ),
    );
  });

  it("says to stop the system's pcscd when pcscd (or systemd's socket unit) holds it", async () => {
    // The holder's command line decides the advice; a process named pcscd stands in for Debian's.
    const sock = join(tempDir(), 'pcscd.comm');
    const script = `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`;
    const child = spawn('bash', [
      '-c',
      `exec -a /usr/sbin/pcscd "${process.execPath}" -e "${script.replaceAll('"', '\\"')}"`,
    ]);
    try {
      await new Promise((r) => child.stdout.once('data', r));
      const err = await refuseForeignHolders(sock, []).catch((e: Error) => e);
      expect((err as Error).message).toContain(`is served by pid ${child.pid} (/usr/sbin/pcscd`);
      expect((err as Error).message).toContain(
        "stop the system's pcscd first: systemctl stop pcscd.socket pcscd",
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('removes a stale socket file nobody listens on, and lets free ports be', async () => {
    const sock = join(tempDir(), 'pcscd.comm');
    writeFileSync(sock, ''); // what a SIGKILLed pcscd leaves: a path, no listener
    const server = await listen({ port: 0 });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise((r) => server.close(r));
    servers.splice(servers.indexOf(server), 1);
    await expect(refuseForeignHolders(sock, [port])).resolves.toBeUndefined();
    expect(existsSync(sock)).toBe(false);
  });
});
