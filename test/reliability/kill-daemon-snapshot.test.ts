/**
 * Issue 7, fault "kill -9 during a snapshot apply", end to end: the real `teiki run` with a broker
 * configured (TLS, client certificates, the sync ACL) picks up a retained signed snapshot the depot
 * published (30,000 passes) and applies it in its list-sync worker thread; the daemon is SIGKILLed
 * at a random moment of that, KILLS times, each try from the same old list. Afterwards the list
 * is wholly the old or wholly the new one (version, counts, a hash over every row), and the
 * database passes `PRAGMA integrity_check`. kill-list-apply.test.ts does 50 kills of the same
 * apply code without the transport; this one keeps MQTT and the worker thread in the loop.
 */
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishExport } from '../../sync/depot/publish-export.js';
import { runTeiki, TeikiProcess } from '../helpers/cli.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { SAMPLE_GTFS, SAMPLE_PASSES } from '../helpers/workdir.js';
import { depotKeys, startDepot, tempDir } from '../integration/list-sync-harness.js';
import { busConfig } from '../integration/records-fixture.js';
import { csvRow, HEADER } from '../unit/sync/depot-fixtures.js';
import { type Fingerprint, fingerprint, integrity, reset } from './list-fingerprint.js';

const KILLS = 50;
const PASSES = 30_000;
const tmp = tempDir('teiki-kill-daemon-snap-');
let broker: Mosquitto;
const procs = new Set<TeikiProcess>();

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
}, 60_000);
afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await broker?.dispose();
  tmp.cleanup();
}, 30_000);

describe('kill -9 of `teiki run` while its list-sync worker applies a snapshot from the broker', () => {
  it(`leaves the list wholly old or wholly new, ${KILLS} kills`, async () => {
    const started = Date.now();
    const keys = depotKeys();
    const dataDir = join(tmp.dir, 'data');
    const config = join(tmp.dir, 'config.json');
    const bus = busConfig(broker, 'bus-101', dataDir, {
      mqtt: { reconnect_min_ms: 100, reconnect_max_ms: 500 },
    });
    writeFileSync(
      config,
      JSON.stringify({
        ...bus,
        readers: [],
        trust: { depot_public_keys: [keys.publicPem] },
        log: { level: 'info' },
      }),
    );
    // The old list: the sample network and export, imported locally.
    for (const args of [
      ['network', 'import', SAMPLE_GTFS],
      ['passes', 'import', SAMPLE_PASSES],
    ]) {
      const r = await runTeiki([...args, '--config', config]);
      expect(r.code, r.stderr).toBe(0);
    }
    const target = join(dataDir, 'list.sqlite');
    const base = join(tmp.dir, 'base.sqlite');
    const db = new Database(target);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    copyFileSync(target, base);
    const old = fingerprint(base);

    // The depot publishes one snapshot; it stays retained on the broker for every try.
    const depot = await startDepot(broker, { dir: tmp.dir, key: keys.privateKey });
    const exportFile = join(tmp.dir, 'export.csv');
    writeFileSync(
      exportFile,
      `${[HEADER, ...Array.from({ length: PASSES }, (_, i) => csvRow(i))].join('\n')}\n`,
    );
    const published = await publishExport(depot.ctx, { passesFile: exportFile, networkDir: SAMPLE_GTFS });
    await depot.close();
    expect(published.kind).toBe('snapshot');

    const runOnce = async (killAfterMs: number | null) => {
      reset(base, target);
      rmSync(join(dataDir, 'records.sqlite'), { force: true });
      const p = new TeikiProcess(['run', '--config', config]);
      procs.add(p);
      let appliedMs: number | null = null;
      let announcedAt = 0;
      const applied = p
        .waitFor((l) => l.msg === 'list applied', 30_000)
        .then(
          () => {
            appliedMs = Date.now() - announcedAt;
          },
          () => {},
        );
      await p.waitFor((l) => String(l.msg).startsWith('snapshot announced'), 30_000);
      announcedAt = Date.now();
      if (killAfterMs === null) await applied;
      else await new Promise((r) => setTimeout(r, killAfterMs));
      p.kill('SIGKILL');
      await p.exited;
      procs.delete(p);
      const errors = p.lines.filter((l) => (l.level as number) >= 50);
      // Killed while the snapshot was being fetched and staged: announced, not yet applied.
      const inApply =
        p.lines.some((l) => String(l.msg).startsWith('snapshot announced')) &&
        !p.lines.some((l) => l.msg === 'list applied');
      return { appliedMs, errors, inApply };
    };

    // Calibration: one apply to the end gives the new fingerprint and how long fetch + apply take.
    // The shortest of two: a window from a run slowed by other work would let kills come too late.
    let fullMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) {
      const full = await runOnce(null);
      expect(full.appliedMs).not.toBeNull();
      fullMs = Math.min(fullMs, full.appliedMs ?? 0);
    }
    const fresh: Fingerprint = fingerprint(target);
    expect(fresh).toMatchObject({ version: published.version, count: PASSES });

    let wasOld = 0;
    let wasNew = 0;
    let inApply = 0;
    for (let i = 0; i < KILLS; i++) {
      // From the manifest's arrival to a little past the commit: the download, staging and commit.
      const run = await runOnce(Math.round(fullMs * 1.05 * Math.random()));
      if (run.inApply) inApply++;
      expect(run.errors).toEqual([]);
      expect(integrity(target)).toBe('ok');
      const now = fingerprint(target);
      if (now.hash === old.hash) {
        wasOld++;
        expect(now).toEqual(old);
      } else {
        wasNew++;
        expect(now).toEqual(fresh);
      }
    }
    console.log(
      JSON.stringify({
        fault: 'kill-daemon-snapshot',
        kills: KILLS,
        passes: PASSES,
        fetch_and_apply_ms: fullMs,
        killed_during_fetch_and_apply: inApply,
        old: wasOld,
        new: wasNew,
        seconds: (Date.now() - started) / 1000,
      }),
    );
    expect(wasOld).toBeGreaterThan(0);
    expect(inApply).toBeGreaterThanOrEqual(KILLS / 2);
  }, 240_000);
});
