/**
 * The pcscd helper on the machine's own resources (issue 11): with the machine-wide pcscd lock
 * held (so no other test file's pcscd is touched), something not started by the helper takes
 * vpcd's port or pcscd's socket, and the next start refuses at once with the resource and the
 * holder named, instead of killing it or hanging; once it is gone, pcscd starts again.
 * The refusal itself on private paths and ports: test/unit/helpers/pcscd-refusal.test.ts.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PCSCD_HOOK_TIMEOUT_MS, PCSCD_SOCKET, type Pcscd, startPcscd, VPCD_PORTS } from '../helpers/pcscd.js';

let pcscd: Pcscd | undefined;
beforeAll(async () => {
  pcscd = await startPcscd();
}, PCSCD_HOOK_TIMEOUT_MS);
afterAll(() => pcscd?.close());

function listen(where: { path: string } | { port: number }): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((c) => c.destroy());
    server.once('error', reject);
    server.listen(where, () => resolve(server));
  });
}

const close = (s: Server) => new Promise((r) => s.close(r));

describe('the pcscd helper next to what it did not start', () => {
  it("refuses while another process listens on vpcd's second port, then starts once it is free", async () => {
    const p = pcscd!;
    await p.stop();
    const squatter = await listen({ port: VPCD_PORTS[1] });
    try {
      const err = await p.start().catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(`vpcd's TCP port ${VPCD_PORTS[1]} `);
      expect((err as Error).message).toContain(`is taken by pid ${process.pid} (`);
      expect((err as Error).message).not.toContain(`port ${VPCD_PORTS[0]} `);
      expect(p.running).toBe(false);
    } finally {
      await close(squatter);
    }
    await p.start();
    expect(p.running).toBe(true);
  });

  it("refuses while something serves pcscd's socket, naming it, then starts once it is gone", async () => {
    const p = pcscd!;
    await p.stop();
    mkdirSync(dirname(PCSCD_SOCKET), { recursive: true });
    rmSync(PCSCD_SOCKET, { force: true });
    const squatter = await listen({ path: PCSCD_SOCKET });
    try {
      const err = await p.start().catch((e: Error) => e);
      expect((err as Error).message).toContain(
        `pcscd's socket ${PCSCD_SOCKET} is served by pid ${process.pid} (`,
      );
      expect(p.running).toBe(false);
    } finally {
      await close(squatter); // unlinks the socket file
    }
    await p.start();
    expect(p.running).toBe(true);
  });
});
