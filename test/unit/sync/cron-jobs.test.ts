import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../device/log/logger.js';
import { RecordStore } from '../../../device/store/record-store.js';
import type { ListInfo } from '../../../device/store/types.js';
import { FakeClock } from '../../../simulator/fakes/fake-clock.js';
import { createSyncJobs, type SyncJobDeps } from '../../../sync/bus/cron-jobs.js';
import { parseResync } from '../../../sync/messages.js';
import { topics } from '../../../sync/topics.js';
import { captureLogger } from '../pipeline/helpers.js';
import { FakeMqtt } from './record-fake-mqtt.js';

/** The scheduled jobs, called directly: no test waits for a cron minute. */
const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const list = (over: Partial<ListInfo> = {}): { info(): ListInfo } => ({
  info: () => ({
    version: 12,
    count: 10,
    active: 10,
    changes: 0,
    appliedAt: '2026-04-01T00:00:00.000Z',
    expiresAt: '2026-04-03T00:00:00.000Z',
    source: 'sync',
    ...over,
  }),
});

function deps(over: Partial<SyncJobDeps> = {}): SyncJobDeps {
  return {
    vehicleId: 'bus-101',
    settings: { retention_days: 1 },
    clock: new FakeClock('2026-04-02T02:30:00+09:00'),
    logger: silentLogger(),
    records: { purgeUploaded: () => 0 },
    list: list(),
    databases: [],
    ...over,
  };
}

describe('sync jobs', () => {
  it('runs the nightly check hook when one is wired in', async () => {
    let calls = 0;
    const jobs = createSyncJobs(deps({ onNightlyCheck: () => ++calls }));
    expect(await jobs.nightly_check()).toMatchObject({ job: 'nightly_check', ok: true, result: 1 });
    expect(calls).toBe(1);
  });

  it('without a hook, asks the depot for a snapshot only when the bus has no depot list or an expired one', async () => {
    const mqtt = new FakeMqtt();
    mqtt.connected = true;
    const resyncs = () =>
      mqtt.published.filter((p) => p.topic === topics.resync('bus-101')).map((p) => parseResync(p.payload));

    expect((await createSyncJobs(deps({ client: mqtt.asClient() })).nightly_check()).result).toEqual({
      resync: false,
      list_version: 12,
    });
    await createSyncJobs(
      deps({ client: mqtt.asClient(), list: list({ source: 'import', version: 3 }) }),
    ).nightly_check();
    await createSyncJobs(
      deps({ client: mqtt.asClient(), list: list({ expiresAt: '2026-04-01T12:00:00.000Z' }) }),
    ).nightly_check();
    expect(resyncs()).toMatchObject([
      { reason: 'no_list', have_version: null, vehicle: 'bus-101' },
      { reason: 'expired', have_version: 12 },
    ]);
    expect(mqtt.published.every((p) => p.opts.qos === 1)).toBe(true);
  });

  it('logs a failing job and never throws', async () => {
    const { logger, lines } = captureLogger();
    const jobs = createSyncJobs(
      deps({
        logger,
        onNightlyCheck: () => {
          throw new Error('list sync not ready');
        },
        records: {
          purgeUploaded: () => {
            throw new Error('database is locked');
          },
        },
        list: list({ version: null, source: null }),
      }),
    );
    await expect(jobs.nightly_check()).resolves.toMatchObject({ ok: false, error: 'list sync not ready' });
    await expect(jobs.purge()).resolves.toMatchObject({ ok: false, error: 'database is locked' });
    expect(lines.filter((l) => l.msg === 'job failed').map((l) => l.job)).toEqual(['nightly_check', 'purge']);
    // Offline with no list: the fallback cannot ask, and says so.
    const offline = await createSyncJobs(
      deps({ list: list({ version: null, source: null }) }),
    ).nightly_check();
    expect(offline).toMatchObject({ ok: false, error: expect.stringMatching(/no broker connection/) });
  });

  it('offers pending records to the uploader', async () => {
    let offered = 0;
    const jobs = createSyncJobs(deps({ uploader: { uploadNow: () => offered++ } }));
    await jobs.upload();
    await jobs.upload();
    expect(offered).toBe(2);
    expect(await createSyncJobs(deps()).upload()).toMatchObject({ ok: true, result: 'no uploader' });
  });

  it('purges acknowledged records older than the retention, and nothing pending', async () => {
    const clock = new FakeClock('2026-04-01T00:00:00Z');
    const store = RecordStore.open(':memory:', 'bus-101', { clock });
    const tap = {
      at: clock.now(),
      idm: '0114b3a1c2d3e4f5',
      reader: 'boarding' as const,
      route: '81',
      trip: null,
      stop: 'matsue-sta',
      verdict: 'accept' as const,
      reason: 'ok' as const,
      pass_id: 'P1',
      fare: null,
      excess: null,
      tap_on_event_id: null,
    };
    for (let i = 0; i < 5; i++) store.commitTap(tap, 'keep');
    store.markUploadedRange(1, 2);
    clock.advance(DAY / 2);
    store.markUploadedRange(3, 3);
    clock.advance(DAY / 2 + 1);
    const jobs = createSyncJobs(deps({ clock, records: store, settings: { retention_days: 1 } }));
    expect(await jobs.purge()).toMatchObject({ ok: true, result: { purged: 2 } });
    expect([...store.list()].map((r) => [r.seq, r.uploaded])).toEqual([
      [3, true],
      [4, false],
      [5, false],
    ]);
    store.close();
  });

  it('checkpoints the WAL of each database that exists, and creates none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teiki-cron-'));
    dirs.push(dir);
    const path = join(dir, 'records.sqlite');
    const holder = new Database(path);
    holder.pragma('journal_mode = WAL');
    holder.pragma('wal_autocheckpoint = 0');
    holder.exec('CREATE TABLE t (x TEXT)');
    const insert = holder.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(500));
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(50_000);

    const missing = join(dir, 'list.sqlite');
    const outcome = await createSyncJobs(deps({ databases: [path, missing] })).wal_checkpoint();
    expect(outcome).toMatchObject({ ok: true, result: [{ path, busy: 0 }] });
    expect(statSync(`${path}-wal`).size).toBe(0);
    expect(statSync(missing, { throwIfNoEntry: false })).toBeUndefined();
    holder.close();
  });
});
