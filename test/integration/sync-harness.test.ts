import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { connectMqtt, type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';

/** The broker harness itself: plain TCP, persistence across stop, kill and restart, clean-up. */
const brokers: Mosquitto[] = [];
afterAll(async () => {
  await Promise.all(brokers.map((b) => b.dispose()));
});

async function retainedOn(broker: Mosquitto, topic: string): Promise<string | null> {
  const c = await connectMqtt(broker.url, { clientId: `reader-${Date.now()}` });
  try {
    const got = new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 1_000);
      c.on('message', (t, payload) => {
        if (t !== topic) return;
        clearTimeout(timer);
        resolve(payload.toString());
      });
    });
    await c.subscribeAsync(topic, { qos: 1 });
    return await got;
  } finally {
    await c.endAsync(true);
  }
}

describe('mosquitto test harness', () => {
  it('starts a plain broker on a free port, keeps retained messages across stop, kill and restart', async () => {
    const a = await startMosquitto();
    const b = await startMosquitto();
    brokers.push(a, b);
    expect(a.port).not.toBe(b.port);
    expect(a.url).toBe(`mqtt://127.0.0.1:${a.port}`);

    const writer = await connectMqtt(a.url, { clientId: 'writer' });
    await writer.publishAsync('t/one', 'kept', { qos: 1, retain: true });
    await writer.endAsync();
    await a.restart();
    expect(await retainedOn(a, 't/one')).toBe('kept');

    const again = await connectMqtt(a.url, { clientId: 'writer' });
    const sent = Date.now();
    await again.publishAsync('t/two', 'saved', { qos: 1, retain: true });
    await again.endAsync();
    await a.saved(sent + 100);
    await a.restart({ kill: true });
    expect(await retainedOn(a, 't/two')).toBe('saved');
    expect(await retainedOn(b, 't/one')).toBeNull();
  });

  it('stops idempotently and removes its directory on dispose', async () => {
    const broker = await startMosquitto();
    await broker.stop();
    await broker.stop();
    await expect(connectMqtt(broker.url, { clientId: 'late', connectTimeout: 1_000 })).rejects.toThrow();
    await broker.dispose();
    await broker.dispose();
    expect(existsSync(broker.dir)).toBe(false);
  });
});
