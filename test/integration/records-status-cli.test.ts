import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSyncState, updateSyncState, writeSyncState } from '../../sync/bus/status-state.js';
import { runTeiki } from '../helpers/cli.js';
import { TEST_TRUST } from '../helpers/pinned-key.js';
import { makeWorkdir, type Workdir } from '../helpers/workdir.js';
import { seedRecords } from './records-fixture.js';

/** `teiki status` reads the link state the daemon leaves in data_dir, and trusts it only while the daemon lives. */
let w: Workdir | undefined;
afterEach(() => w?.cleanup());

async function status(args: string[] = ['--json']) {
  const r = await runTeiki(['status', '--config', w!.config, ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('teiki status sync fields', () => {
  it('shows the sync state of a running daemon, and none of a dead one', async () => {
    w = makeWorkdir({ mqtt: { url: 'mqtts://broker.example:8883' }, trust: TEST_TRUST });
    const dataDir = join(w.dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    seedRecords(join(dataDir, 'records.sqlite'), 'bus-101', 42);

    const before = JSON.parse(await status());
    expect(before.pass_list).toHaveProperty('expires_at', null);
    expect(before.sync).toEqual({
      configured: true,
      connected: false,
      last_connected_at: null,
      last_applied_at: null,
      rejected: {},
      last_ack_at: null,
      updated_at: null,
    });
    // No daemon runs and the data directory is writable (issue 12: storage state and held records).
    expect(before.records).toEqual({ pending: 42, storage: 'ok', pending_in_memory: 0, lost: 0 });

    // This test process plays the daemon: alive, connected.
    writeSyncState(dataDir, {
      pid: process.pid,
      updated_at: '2026-04-01T03:00:00.000Z',
      connected: true,
      last_connected_at: '2026-04-01T02:59:00.000Z',
      last_applied_at: '2026-04-01T02:30:05.000Z',
      rejected: { bad_signature: 2, gap: 1 },
    });
    const [json, human] = await Promise.all([status(), status([])]);
    expect(JSON.parse(json).sync).toMatchObject({
      connected: true,
      last_applied_at: '2026-04-01T02:30:05.000Z',
      rejected: { bad_signature: 2, gap: 1 },
      updated_at: '2026-04-01T03:00:00.000Z',
    });
    expect(human).toMatch(
      /sync\s+connected, last list applied 2026-04-01T02:30:05\.000Z, 3 messages refused/,
    );
    expect(human).toMatch(/records\s+42 pending upload/);

    // A daemon SIGKILLed while connected leaves "connected: true" behind; its pid is gone.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeSyncState(dataDir, { ...readSyncState(dataDir)!, pid: dead });
    expect(JSON.parse(await status()).sync.connected).toBe(false);
  });

  it('merges updates into the state of the same process and starts afresh for a new one', () => {
    w = makeWorkdir();
    const dataDir = join(w.dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    expect(readSyncState(dataDir)).toBeNull();
    updateSyncState(dataDir, { connected: true }, Date.UTC(2026, 3, 1));
    const next = updateSyncState(dataDir, { rejected: { expired: 1 } }, Date.UTC(2026, 3, 1, 0, 1));
    expect(next).toMatchObject({ pid: process.pid, connected: true, rejected: { expired: 1 } });
    expect(next.updated_at).toBe('2026-04-01T00:01:00.000Z');
    writeSyncState(dataDir, { ...next, pid: 1 });
    expect(updateSyncState(dataDir, {})).toMatchObject({ pid: process.pid, connected: false, rejected: {} });
  });
});
