/**
 * The mosquitto helper when its port is taken by someone else (issue 11): between picking a free
 * port and mosquitto's bind, before a fixed-port start, or while a broker is down for a restart.
 * Never a hang, never a test talking to the stranger: a retry on another port, or a
 * PortTakenError that names the port and the holder.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMqtt, type Mosquitto, PortTakenError, startMosquitto } from '../helpers/mosquitto.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function squat(port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer((c) => c.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  cleanups.push(() => new Promise((r) => server.close(r)));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return { server, port: address.port };
}

function track(broker: Mosquitto): Mosquitto {
  cleanups.push(() => broker.dispose());
  return broker;
}

describe('mosquitto helper and a taken port', () => {
  it('picks another port when the picked one is taken before mosquitto binds it', async () => {
    const taken = await squat();
    const picks: number[] = [];
    const broker = track(
      await startMosquitto({
        pickPort: async () => {
          // First the port someone took after it was "found free", then a really free one.
          if (picks.length === 0) {
            picks.push(taken.port);
            return taken.port;
          }
          const free = await squat();
          await new Promise((r) => free.server.close(r));
          picks.push(free.port);
          return free.port;
        },
      }),
    );
    expect(picks).toHaveLength(2);
    expect(broker.port).toBe(picks[1]);
    expect(broker.logs()).toContain('Address already in use');
    const client = await connectMqtt(broker.url); // the broker, not the squatter
    await client.endAsync();
  });

  it('fails a fixed-port start at once, naming the port and who holds it', async () => {
    const taken = await squat();
    const err = await startMosquitto({ port: taken.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortTakenError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^mosquitto could not listen on 127\\.0\\.0\\.1:${taken.port} as asked: it is taken by pid ${process.pid} \\(.*node`,
      ),
    );
    expect((err as PortTakenError).port).toBe(taken.port);
  });

  it('fails a restart whose port was taken while the broker was down', async () => {
    const broker = track(await startMosquitto());
    await broker.stop();
    await squat(broker.port);
    const err = await broker.restart().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortTakenError);
    expect((err as Error).message).toContain(
      `127.0.0.1:${broker.port} on restart: it is taken by pid ${process.pid} (`,
    );
  });
});
