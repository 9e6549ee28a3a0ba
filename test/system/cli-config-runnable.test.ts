/**
 * Issue 12 point 6 on the real command: configs that used to pass validation and then fail at run
 * (a stack and exit 1, a restart loop under systemd; or reconnecting forever) are refused at start
 * with exit 2 and one line naming the key.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runTeiki } from '../helpers/cli.js';
import { TEST_TRUST } from '../helpers/pinned-key.js';
import { CONSOLE_CONFIG, makeWorkdir, type Workdir } from '../helpers/workdir.js';

let w: Workdir | undefined;
afterEach(() => {
  w?.cleanup();
  w = undefined;
});

const BROKER = { url: 'mqtt://127.0.0.1:1', reconnect_min_ms: 100 };

async function runWith(over: Record<string, unknown>) {
  w?.cleanup();
  w = makeWorkdir({ ...CONSOLE_CONFIG, ...over });
  // A refused config exits at once; a config that gets as far as running would be cut here.
  return runTeiki(['run', '--config', w.config], { timeoutMs: 20_000 });
}

function expectRefused(r: Awaited<ReturnType<typeof runWith>>, key: string, reason: string) {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^teiki: .*config\\.json: ${key.replace(/[.[\]]/g, '\\$&')}: `));
  expect(lines[0]).toContain(reason);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
}

describe('teiki run refuses a config that cannot run', () => {
  it('a vehicle id that cannot be a topic level: exit 2 naming vehicle.id', async () => {
    const r = await runWith({
      vehicle: { id: 'bus/101#', operator: 'matsue-city' },
      mqtt: BROKER,
      trust: TEST_TRUST,
    });
    expectRefused(r, 'vehicle.id', 'letters, digits');
  });

  it('a broker URL that is not MQTT: exit 2 naming mqtt.url', async () => {
    const r = await runWith({ mqtt: { url: 'ftp://depot.example/teiki' }, trust: TEST_TRUST });
    expectRefused(r, 'mqtt.url', 'mqtt://, mqtts://, ws:// or wss://');
  });

  it('a broker with no pinned depot key: exit 2 naming trust.depot_public_keys', async () => {
    const r = await runWith({ mqtt: BROKER, trust: { depot_public_keys: [] } });
    expectRefused(r, 'trust.depot_public_keys', 'required when mqtt.url is set');
    const none = await runWith({ mqtt: BROKER });
    expectRefused(none, 'trust.depot_public_keys', 'required when mqtt.url is set');
  });
});
