/**
 * rss_mb and start_to_ready_ms: the real daemon, `node dist/device/cli/teiki.js run --config X`,
 * as a bus runs it: a data_dir holding the bench's N-pass list, a console (sim) reader and stop
 * source on stdin, the console display, and sync on (a local TLS mosquitto, a pinned depot key),
 * so the list-sync worker and its SQLite connection count too.
 * - start_to_ready_ms: from spawn() to the daemon's `ready` JSON log line (one warm-up start first,
 *   so the list file is in the page cache as it is on a bus that restarts its service);
 * - rss_mb: VmRSS from /proc/PID/status after ready, a few taps decided and the sync link up;
 *   rss_peak_mb: VmHWM at the same moment. Then SIGTERM and the exit code is checked.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generatedIdm } from '../../simulator/generate-passes.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { listFixture, ROOT, SEED } from './list-fixture.js';
import { type Dist, dist } from './stats.js';

export const TEIKI = join(ROOT, 'dist/device/cli/teiki.js');
const VEHICLE = 'bench-bus';
const TAPS = 5;

export interface DaemonBenchResult {
  rss_mb: number;
  rss_peak_mb: number;
  start_to_ready_ms: Dist;
}

export type Line = Record<string, unknown>;

/** One `teiki run` child whose JSON log lines can be awaited (also used by import-taps.ts). */
export class Daemon {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  #listeners: Array<(l: Line) => void> = [];
  #waiters: Array<{ test: (l: Line) => boolean; resolve: (l: Line) => void }> = [];
  #stderr = '';

  /** `nodeArgs` go before the script (e.g. `--import` a probe); `env` is added to ours. */
  constructor(config: string, nodeArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [...nodeArgs, TEIKI, 'run', '--config', config], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let buf = '';
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          continue; // not a log line (the console display writes to stderr anyway)
        }
        this.lines.push(line);
        for (const f of this.#listeners) f(line);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-4096);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Calls `f` with every log line from now on, as it arrives. */
  onLine(f: (l: Line) => void): void {
    this.#listeners.push(f);
  }

  waitFor(test: (l: Line) => boolean, what: string, ms = 30_000): Promise<Line> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`daemon: no ${what} within ${ms} ms; stderr: ${this.#stderr}`)),
        ms,
      );
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`daemon exited (${code}) before ${what}; stderr: ${this.#stderr}`));
      });
      this.#waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

export async function benchDaemon(
  passes: number,
  runs: number,
  log: (msg: string) => void = () => undefined,
): Promise<DaemonBenchResult> {
  const fixture = await listFixture(passes, log);
  const dir = mkdtempSync(join(tmpdir(), 'teiki-bench-daemon-'));
  const broker = await startMosquitto({ tls: true, vehicles: [VEHICLE] });
  try {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    copyFileSync(fixture, join(dataDir, 'list.sqlite'));
    const id = broker.certs!.bus(VEHICLE);
    const depotKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        vehicle: { id: VEHICLE, operator: 'matsue-city' },
        data_dir: dataDir,
        readers: [{ driver: 'sim', role: 'boarding' }],
        stop_source: { driver: 'sim' },
        display: { driver: 'console' },
        mqtt: { url: broker.url, ca: id.ca, cert: id.cert, key: id.key },
        trust: { depot_public_keys: [depotKey.toString()] },
      }),
    );
    const ready: number[] = [];
    let rss = 0;
    let peak = 0;
    // Run 0 is the warm-up (page cache, first-start work such as creating records.sqlite).
    for (let run = 0; run <= runs; run++) {
      const started = performance.now();
      const d = new Daemon(config);
      try {
        await d.waitFor((l) => l.msg === 'ready', 'ready line');
        const readyMs = performance.now() - started;
        d.child.stdin.write('stop 81 matsue-sta\n');
        for (let i = 0; i < TAPS; i++)
          d.child.stdin.write(`tap ${generatedIdm((i * 7919) % passes, SEED)}\n`);
        let taps = 0;
        await d.waitFor((l) => l.msg === 'tap' && ++taps === TAPS, `${TAPS} tap lines`);
        // Let the sync link come up (connect, subscribe, retained status) before reading RSS.
        await new Promise((r) => setTimeout(r, 1_000));
        const pid = d.child.pid!;
        if (run > 0) {
          ready.push(readyMs);
          rss = Math.max(rss, statusKb(pid, 'VmRSS'));
          peak = Math.max(peak, statusKb(pid, 'VmHWM'));
        }
        log(`daemon: run ${run}${run === 0 ? ' (warm-up)' : ''}: ready in ${Math.round(readyMs)} ms`);
        d.child.kill('SIGTERM');
        const code = await Promise.race([d.exited, new Promise((r) => setTimeout(r, 15_000, 'timeout'))]);
        if (code !== 0) throw new Error(`daemon did not exit 0 on SIGTERM (${String(code)})`);
      } finally {
        if (d.child.exitCode === null) d.child.kill('SIGKILL');
      }
    }
    const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
    return { rss_mb: mb(rss), rss_peak_mb: mb(peak), start_to_ready_ms: dist(ready, 1) };
  } finally {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/test/bench/daemon.js [passes]`: this measurement alone.
if (process.argv[1]?.endsWith('/bench/daemon.js')) {
  const passes = Number(process.argv[2] ?? 1_000_000);
  benchDaemon(passes, 5, (m) => process.stderr.write(`bench: ${m}\n`)).then(
    (r) => process.stdout.write(`${JSON.stringify({ passes, ...r }, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`bench: ${String((err as Error).stack ?? err)}\n`);
      process.exitCode = 1;
    },
  );
}
