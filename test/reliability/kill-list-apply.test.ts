/**
 * Issue 7, fault "kill -9 during a snapshot apply and during an import": a process applying a new
 * pass list is SIGKILLed at a random moment, KILLS times each, every try from the same old list.
 * Afterwards the list is wholly the old or wholly the new one: version, counts and a hash over
 * every pass row and card change equal one of the two fingerprints, the stored count equals the
 * rows, `PRAGMA integrity_check` is ok, and no staging table is left behind.
 *
 * Snapshot: list-apply-child.ts runs the list-sync worker's code (ListSyncCore + StoreListTarget)
 * on a signed snapshot; odd tries start from a small list (the snapshot is staged whole and
 * swapped in: "replacement"), even ones from a list of about its size (written as a difference in
 * one transaction). Import: the real `teiki passes import` of a sales export.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNetworkDir } from '../../device/imports/network-import.js';
import { ListStore } from '../../device/store/list-store.js';
import { writePassesCsv } from '../../simulator/generate-passes.js';
import { parsePassRow } from '../../sync/pass-rows.js';
import type { WireRow } from '../../sync/schemas/entries.js';
import { ROOT, TEIKI } from '../helpers/cli.js';
import { SAMPLE_GTFS, SAMPLE_PASSES } from '../helpers/workdir.js';
import { NOW, passRow } from '../unit/sync/fixtures.js';
import { depotKey, signedSnapshot } from '../unit/sync/list-fixtures.js';
import { type Fingerprint, fingerprint, integrity, reset } from './list-fingerprint.js';

const KILLS = 50;
const SNAPSHOT_PASSES = 30_000;
const IMPORT_ROWS = 30_000;
const CHILD = join(ROOT, 'dist/test/reliability/list-apply-child.js');
const DOWNLOADING = '"msg":"downloading"';

let dir: string;
const live = new Set<ChildProcess>();
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'teiki-kill-list-'));
});
afterAll(() => {
  for (const c of live) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  killed: boolean;
  /** From spawn (or from the arming output, when given) to exit. */
  ms: number;
  /** The arming output was seen before the end. */
  armed: boolean;
  out: string;
}

/**
 * Runs `args`; SIGKILLs it `afterMs` after `armOn` first appears in its output (or after spawn,
 * without `armOn`), unless it exits first.
 */
function killedRun(args: string[], afterMs: number, armOn?: string): Promise<Run> {
  return new Promise((resolve) => {
    let t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let out = '';
    let timer: NodeJS.Timeout | null = null;
    const arm = () => {
      t0 = performance.now();
      timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    };
    if (!armOn) arm();
    const take = (d: Buffer) => {
      out += d;
      if (armOn && !timer && out.includes(armOn)) arm();
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (_code, signal) => {
      if (timer) clearTimeout(timer);
      live.delete(child);
      resolve({ killed: signal === 'SIGKILL', ms: performance.now() - t0, armed: timer !== null, out });
    });
  });
}

interface KillSummary {
  tries: number;
  interrupted: number;
  /** Killed once the work had begun (snapshot: the child said "downloading"; import: after start-up). */
  interrupted_at_work: number;
  finished: number;
  old: number;
  new: number;
  fullMs: number;
}

async function killLoop(o: {
  bases: readonly string[];
  target: string;
  args: string[];
  newOf: (base: string) => Fingerprint;
  oldOf: (base: string) => Fingerprint;
  fullMs: number;
  /** Kill timers start at this output; else at spawn + `startMs`. */
  armOn?: string;
  startMs?: number;
}): Promise<KillSummary> {
  const s: KillSummary = {
    tries: 0,
    interrupted: 0,
    interrupted_at_work: 0,
    finished: 0,
    old: 0,
    new: 0,
    fullMs: Math.round(o.fullMs),
  };
  for (let i = 0; i < KILLS; i++) {
    const base = o.bases[i % o.bases.length]!;
    reset(base, o.target);
    // Spread over the work up to its commit: most kills interrupt it, some land after the end.
    const start = o.startMs ?? 0;
    const run = await killedRun(o.args, start + Math.random() * o.fullMs, o.armOn);
    s.tries++;
    if (run.killed) s.interrupted++;
    else s.finished++;
    if (run.killed && (o.armOn ? run.armed : true) && run.ms >= start) s.interrupted_at_work++;
    expect(integrity(o.target)).toBe('ok');
    const now = fingerprint(o.target);
    const old = o.oldOf(base);
    const fresh = o.newOf(base);
    expect(now.count).toBe(now.rows);
    if (now.hash === old.hash) {
      s.old++;
      expect(now).toEqual(old);
    } else {
      s.new++;
      expect(now).toEqual(fresh);
    }
    if (!run.killed) expect(now.hash).toBe(fresh.hash);
  }
  return s;
}

describe('kill -9 during a list change', () => {
  it(`leaves the list wholly old or wholly new: snapshot apply, ${KILLS} kills`, async () => {
    const started = Date.now();
    const key = depotKey();
    const msgDir = join(dir, 'snapshot');
    mkdirSync(msgDir);
    // v2: the 30,000 passes of v1 with every 20th refunded, 500 gone and 500 new, some moved cards.
    const next: WireRow[] = [];
    for (let i = 500; i < SNAPSHOT_PASSES + 500; i++) {
      const row = passRow(i);
      next.push(i % 20 === 0 ? { ...row, status: 'refunded' } : row);
    }
    next.sort((a, b) => (String(a.pass_id) < String(b.pass_id) ? -1 : 1));
    const snap = await signedSnapshot(key.privateKey, 2, next, {
      now: NOW,
      chunkBytes: 64 * 1024,
      changes: [{ card_change: { idm: 'fe00000000000001', pass_id: 'P600', valid_until: '2026-09-30' } }],
    });
    writeFileSync(join(msgDir, 'manifest.bin'), snap.signed);
    snap.chunks.forEach((c, i) => {
      writeFileSync(join(msgDir, `chunk-${i}.bin`), c);
    });
    writeFileSync(join(msgDir, 'key.pem'), key.publicPem);
    writeFileSync(join(msgDir, 'meta.json'), JSON.stringify({ now: NOW, chunks: snap.chunks.length }));

    // Two old lists, both version 1: small (→ replacement) and of the snapshot's size (→ difference).
    const bases: string[] = [];
    for (const [name, n] of [
      ['small', 2_000],
      ['large', SNAPSHOT_PASSES],
    ] as const) {
      const path = join(dir, `base-${name}.sqlite`);
      const store = ListStore.open(path, { clock: { now: () => NOW } });
      await importNetworkDir(store, SAMPLE_GTFS);
      store.replacePasses(
        Array.from({ length: n }, (_, i) => parsePassRow(passRow(i))),
        { version: 1, source: 'sync', expiresAt: new Date(NOW + 86_400_000).toISOString() },
      );
      store.close();
      bases.push(path);
    }
    const target = join(dir, 'list.sqlite');
    const olds = new Map(bases.map((b) => [b, fingerprint(b)]));
    // Calibration: each base applied to the end (twice), for the new fingerprint and the shortest
    // duration seen: a window from a run slowed by other work would let most kills come too late.
    const news = new Map<string, Fingerprint>();
    let fullMs = Number.POSITIVE_INFINITY;
    for (const b of [...bases, ...bases]) {
      reset(b, target);
      const run = await killedRun([CHILD, target, msgDir], 60_000, DOWNLOADING);
      expect(run.out).toContain('"msg":"applied"');
      fullMs = Math.min(fullMs, run.ms);
      news.set(b, fingerprint(target));
    }
    // Both ways give the same list.
    expect(news.get(bases[0]!)!.hash).toBe(news.get(bases[1]!)!.hash);
    expect(news.get(bases[0]!)).toMatchObject({ version: 2, count: SNAPSHOT_PASSES });

    const s = await killLoop({
      bases,
      target,
      args: [CHILD, target, msgDir],
      oldOf: (b) => olds.get(b)!,
      newOf: (b) => news.get(b)!,
      fullMs,
      armOn: DOWNLOADING,
    });
    console.log(
      JSON.stringify({ fault: 'kill-snapshot-apply', ...s, seconds: (Date.now() - started) / 1000 }),
    );
    expect(s.interrupted_at_work).toBeGreaterThanOrEqual(KILLS / 2);
    expect(s.old).toBeGreaterThan(0);
  }, 150_000);

  it(`leaves the list wholly old or wholly new: \`teiki passes import\`, ${KILLS} kills`, async () => {
    const started = Date.now();
    const work = join(dir, 'import');
    mkdirSync(join(work, 'data'), { recursive: true });
    const config = join(work, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ vehicle: { id: 'bus-101', operator: 'matsue-city' }, data_dir: join(work, 'data') }),
    );
    const target = join(work, 'data/list.sqlite');
    const csv = join(work, 'export.csv');
    await writePassesCsv(csv, IMPORT_ROWS, { seed: 11, start: '2026-04-01' });
    // The old list: the sample network and the sample export, imported through the CLI.
    for (const args of [
      ['network', 'import', SAMPLE_GTFS],
      ['passes', 'import', SAMPLE_PASSES],
    ]) {
      const r = await killedRun([TEIKI, ...args, '--config', config], 60_000);
      expect(r.killed).toBe(false);
    }
    const base = join(work, 'base.sqlite');
    const db = new Database(target);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    copyFileSync(target, base);
    const old = fingerprint(base);

    const args = [TEIKI, 'passes', 'import', csv, '--config', config];
    // Start-up (node and the CLI's modules) before the import does anything, then the import; the
    // shortest of three runs each (see the snapshot's calibration).
    let startMs = Number.POSITIVE_INFINITY;
    let fullMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      startMs = Math.min(startMs, (await killedRun([TEIKI, '--version'], 60_000)).ms);
      reset(base, target);
      const full = await killedRun(args, 60_000);
      expect(full.killed).toBe(false);
      fullMs = Math.min(fullMs, full.ms);
    }
    const fresh = fingerprint(target);
    expect(fresh.count).toBe(IMPORT_ROWS);
    expect(fresh.version).not.toBe(old.version);

    const s = await killLoop({
      bases: [base],
      target,
      args,
      oldOf: () => old,
      newOf: () => fresh,
      fullMs: Math.max(50, fullMs - startMs),
      startMs,
    });
    console.log(JSON.stringify({ fault: 'kill-import', ...s, seconds: (Date.now() - started) / 1000 }));
    expect(s.interrupted_at_work).toBeGreaterThanOrEqual(KILLS / 2);
    expect(s.old).toBeGreaterThan(0);
  }, 150_000);
});
