/**
 * Snapshot budget (issue 4): a full list of N passes published by the depot, carried by a real
 * mosquitto (TLS, client certificates, the sync ACL) and applied by a bus's ListSync worker, while
 * the bus's main thread keeps deciding a tap every millisecond against its own connection to the
 * same list file. The depot runs in a child process (snapshot-depot.ts), as on a real depot.
 *
 * Both ends start from the bench's list fixture (the same N passes): the depot's published list
 * and the bus's list in force, as on a normal night when the snapshot changes little. Reported:
 * - publish_s: the depot packing, compressing, hashing and publishing (chunks, then manifest);
 * - transfer_s: manifest published → every chunk is on the bus, verified;
 * - snapshot_apply_s: the worker, from the manifest to the commit (chunks are staged as they come);
 * - total_s: publish start → the bus reports the new version applied;
 * - tap_during_apply_ms, event_loop_delay_during_apply_ms: the bus's main thread from the
 *   manifest to the commit, while the worker fetches, compares and commits (the perf_hooks
 *   histogram, its 1 ms sampling resolution subtracted).
 * - stalls_over_10ms: every gap over 10 ms between two taps, split into the main thread running,
 *   waiting for a CPU (runnable), and neither (blocked), from its schedstat counters.
 * BENCH_STALLS=1 also logs each such gap with its time and phase, and main-thread GC pauses.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_RULE_SETTINGS } from '../../device/config/rules-schema.js';
import { silentLogger } from '../../device/log/logger.js';
import { evaluateTap } from '../../device/pipeline/evaluate.js';
import { ListStore } from '../../device/store/list-store.js';
import { generatedIdm } from '../../simulator/generate-passes.js';
import { ListSync } from '../../sync/bus/list-sync.js';
import type { ListApplied } from '../../sync/bus/list-sync-types.js';
import type { PublishSummary } from '../../sync/depot/publish-context.js';
import { connectMqtt, startMosquitto } from '../helpers/mosquitto.js';
import { listFixture, SEED } from './list-fixture.js';
import { type Dist, dist } from './stats.js';

export interface SnapshotBenchResult {
  snapshot_apply_s: number;
  publish_s: number;
  transfer_s: number;
  total_s: number;
  snapshot_bytes: number;
  chunks: number;
  method: string | null;
  tap_during_apply_ms: Dist;
  event_loop_delay_during_apply_ms: Dist;
  /** Gaps over 10 ms between taps during the apply: how long the main thread ran, waited for a CPU. */
  stalls_over_10ms: { count: number; running_ms: number; waiting_for_cpu_ms: number; other_ms: number };
}

/** The main thread's [ns running, ns waiting for a CPU], or null off Linux. */
function schedstat(): [number, number] | null {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return [run ?? 0, wait ?? 0];
  } catch {
    return null;
  }
}

const TAP_AT = Date.parse('2026-04-15T08:00:00+09:00');
const RESOLUTION_MS = 1;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const run = promisify(execFile);

export async function benchSnapshot(
  passes: number,
  log: (msg: string) => void = () => undefined,
  /** 'empty': a bus with no list yet, so the snapshot is staged whole (the slower way). */
  bus: 'same-list' | 'empty' = 'same-list',
): Promise<SnapshotBenchResult> {
  const fixture = await listFixture(passes, log);
  const dir = mkdtempSync(join(tmpdir(), 'teiki-bench-snapshot-'));
  const broker = await startMosquitto({ tls: true, vehicles: ['bench-bus'] });
  const busPath = join(dir, 'bus', 'list.sqlite');
  const depotDir = join(dir, 'depot');
  mkdirSync(join(dir, 'bus'), { recursive: true });
  mkdirSync(depotDir, { recursive: true, mode: 0o700 });
  if (bus === 'same-list') copyFileSync(fixture, busPath);
  copyFileSync(fixture, join(depotDir, 'published.sqlite'));
  const keys = generateKeyPairSync('ed25519');
  const signingKey = join(dir, 'depot.key');
  writeFileSync(signingKey, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

  const store = ListStore.open(busPath);
  const busClient = await connectMqtt(broker.url, {
    ...broker.tlsOptions(broker.certs!.bus('bench-bus')),
    clientId: 'teiki-bus-bench-bus',
    clean: false,
    properties: { sessionExpiryInterval: 600 },
  });
  let applied: ListApplied | null = null;
  let appliedAt = 0;
  const sync = new ListSync({
    client: busClient,
    listPath: busPath,
    vehicle: 'bench-bus',
    pinnedKeys: [keys.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    clock: { now: () => Date.now() },
    logger: silentLogger(),
    onApplied: (e) => {
      if (e.kind !== 'snapshot') return;
      applied = e;
      appliedAt = Date.now();
    },
  });

  try {
    await sync.start();
    // A tap every millisecond on the main thread, timed while the worker works.
    const ctx = {
      operator: 'matsue-city',
      settings: DEFAULT_RULE_SETTINGS,
      lookup: (i: string) => store.lookup(i),
      network: store.network,
    };
    const stop = { route_id: '81', stop_id: 'matsue-sta', at: TAP_AT };
    const taps: number[] = [];
    const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    let busyFrom = 0;
    let allChunksIn = 0;
    let x = 7;
    let lastTick = 0;
    const stalls: string[] = [];
    // BENCH_STALLS: main-thread GC pauses over 2 ms during the apply, to lay beside the stalls.
    const gcs: string[] = [];
    const gcWatch = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (busyFrom > 0 && !applied && e.duration > 2) {
          const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
          gcs.push(
            `${e.duration.toFixed(1)}ms@${Math.round(performance.timeOrigin + e.startTime - busyFrom)}(kind ${kind})`,
          );
        }
      }
    });
    if (process.env.BENCH_STALLS) gcWatch.observe({ entryTypes: ['gc'] });
    // Every gap over 10 ms between two ticks, split by the main thread's own scheduler counters
    // (/proc/self/task/<main tid>/schedstat: ns running, ns runnable but waiting for a CPU): the
    // rest of a gap it was blocked or asleep. Says whether a stall was our work or a busy machine.
    const sched0 = schedstat();
    const blame = { count: 0, running_ms: 0, waiting_for_cpu_ms: 0, other_ms: 0 };
    let lastSched = sched0;
    const tapper = setInterval(() => {
      const tick = Date.now();
      const sched = schedstat();
      if (busyFrom > 0 && lastTick > 0 && tick - lastTick > 10 && !applied) {
        const r = sched && lastSched ? Math.round((sched[0] - lastSched[0]) / 1e6) : 0;
        const w = sched && lastSched ? Math.round((sched[1] - lastSched[1]) / 1e6) : 0;
        blame.count++;
        blame.running_ms += r;
        blame.waiting_for_cpu_ms += w;
        blame.other_ms += Math.max(0, tick - lastTick - r - w);
        stalls.push(`${tick - lastTick}ms@${lastTick - busyFrom}(${sync.stats().phase},r${r},w${w})`);
      }
      lastSched = sched;
      lastTick = tick;
      const phase = sync.stats().phase;
      if ((phase === 'downloading' || phase === 'applying') && busyFrom === 0) {
        busyFrom = Date.now();
        delay.enable();
      }
      if (phase === 'applying' && allChunksIn === 0) allChunksIn = Date.now();
      x = (x * 1103515245 + 12345) >>> 0;
      const idm =
        x % 10 === 9 ? `ff${x.toString(16).padStart(8, '0')}000000` : generatedIdm(x % passes, SEED);
      const t = performance.now();
      evaluateTap(ctx, idm, 'boarding', TAP_AT, stop, null, false);
      if (busyFrom > 0 && !applied) taps.push(performance.now() - t);
    }, 1);

    log('snapshot: publishing (depot process)');
    const depot = broker.certs!.depot;
    const script = fileURLToPath(new URL('./snapshot-depot.js', import.meta.url));
    const options = {
      state: depotDir,
      url: broker.url,
      ca: depot.ca,
      cert: depot.cert,
      clientKey: depot.key,
      signingKey,
    };
    const out = await run(process.execPath, [script, JSON.stringify(options)], { maxBuffer: 1 << 20 });
    const published = JSON.parse(out.stdout) as {
      started_at: number;
      published_at: number;
      summary: PublishSummary;
    };
    log(
      `snapshot: published ${published.summary.snapshot?.chunks} chunks, ${published.summary.snapshot?.bytes} bytes`,
    );
    const deadline = Date.now() + 600_000;
    while (!applied && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    clearInterval(tapper);
    delay.disable();
    if (!applied) throw new Error('the bus did not apply the snapshot within 10 minutes');
    const done = applied as ListApplied;
    log(`snapshot: applied version ${done.version} (${done.method}) in ${done.duration_ms} ms`);
    gcWatch.disconnect();
    if (stalls.length > 0 && process.env.BENCH_STALLS) log(`stalls over 10 ms: ${stalls.join(' ')}`);
    if (gcs.length > 0) log(`main-thread GC over 2 ms: ${gcs.join(' ')}`);
    // The histogram samples every RESOLUTION_MS; what it records includes that interval.
    const ms = (ns: number) => round(Math.max(0, ns / 1e6 - RESOLUTION_MS));
    return {
      snapshot_apply_s: round(done.duration_ms / 1000),
      publish_s: round((published.published_at - published.started_at) / 1000),
      transfer_s: round(((allChunksIn || appliedAt) - published.published_at) / 1000),
      total_s: round((appliedAt - published.started_at) / 1000),
      snapshot_bytes: published.summary.snapshot?.bytes ?? 0,
      chunks: published.summary.snapshot?.chunks ?? 0,
      method: done.method,
      tap_during_apply_ms: dist(taps, 3),
      stalls_over_10ms: blame,
      event_loop_delay_during_apply_ms: {
        p50: ms(delay.percentile(50)),
        p99: ms(delay.percentile(99)),
        max: ms(delay.max),
        n: delay.count,
      },
    };
  } finally {
    await sync.stop();
    store.close();
    await busClient.endAsync(true).catch(() => undefined);
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/test/bench/snapshot.js [passes] [empty]`: this measurement alone.
if (process.argv[1]?.endsWith('/bench/snapshot.js')) {
  const passes = Number(process.argv[2] ?? 1_000_000);
  const bus = process.argv[3] === 'empty' ? 'empty' : 'same-list';
  benchSnapshot(passes, (m) => process.stderr.write(`bench: ${m}\n`), bus).then(
    (r) => process.stdout.write(`${JSON.stringify({ passes, ...r }, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`bench: ${String((err as Error).stack ?? err)}\n`);
      process.exitCode = 1;
    },
  );
}
