/** What the daemon answers the watchdog's health probe (Daemon.tapLoopProblem), on fake ports. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../device/config/schema.js';
import { Daemon } from '../../../device/daemon/daemon.js';
import { silentLogger } from '../../../device/log/logger.js';
import { FakeCardReader, FakeClock, FakeDisplay, FakeSignal } from '../../../simulator/fakes/index.js';

let dir: string | undefined;
let daemon: Daemon | undefined;
afterEach(async () => {
  await daemon?.shutdown('test over');
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = daemon = undefined;
});

function makeDaemon(): Daemon {
  dir = mkdtempSync(join(tmpdir(), 'teiki-probe-'));
  const clock = new FakeClock();
  const config = ConfigSchema.parse({ vehicle: { id: 'bus-101', operator: 'matsue-city' }, data_dir: dir });
  const ports = {
    reader: new FakeCardReader(clock),
    display: new FakeDisplay(),
    signal: new FakeSignal(),
    stopSource: null,
    clock,
  };
  return new Daemon(config, ports, silentLogger());
}

describe('tap loop health for the watchdog', () => {
  it('is healthy once started, with no tap ever seen', async () => {
    daemon = makeDaemon();
    expect(daemon.tapLoopProblem()).toBe('not started');
    await daemon.start();
    expect(daemon.tapLoopProblem()).toBeNull();
  });

  it('reports a pass list that no longer answers', async () => {
    daemon = makeDaemon();
    await daemon.start();
    daemon.listStore?.close();
    expect(daemon.tapLoopProblem()).toMatch(/^store unusable: /);
  });

  // A restart would lose the records held in memory and mends no read-only mount (issue 12).
  it('does not ask for a restart when records cannot be written', async () => {
    daemon = makeDaemon();
    await daemon.start();
    daemon.recordStore?.close();
    expect(daemon.tapLoopProblem()).toBeNull();
  });

  it('reports shutting down as soon as shutdown begins', async () => {
    daemon = makeDaemon();
    await daemon.start();
    const done = daemon.shutdown('SIGTERM');
    expect(daemon.tapLoopProblem()).toBe('shutting down');
    await done;
  });
});
