/**
 * The CI smoke run of the benchmark suite (issue 6): `node dist/test/bench/main.js --quick` as a
 * child, on the real stack (pcscd + vpcd, mosquitto, socat, the real daemon), so the suite cannot
 * rot. It checks that the JSON document has every field with numbers; never a threshold (timings
 * on a shared CI box say nothing).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/test/bench/main.js');
/** Waiting for another file's pcscd (up to 4 min, test/helpers/pcscd.ts) plus the run itself. */
const TIMEOUT_MS = 600_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS - 10_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function expectDist(doc: Record<string, unknown>, key: string): void {
  const d = doc[key] as Record<string, unknown> | undefined;
  expect(d, key).toBeTypeOf('object');
  for (const q of ['p50', 'p99', 'max', 'n']) expect(isNumber(d?.[q]), `${key}.${q}`).toBe(true);
  expect(d?.p50 as number, `${key}: p50 ≤ p99`).toBeLessThanOrEqual(d?.p99 as number);
  expect(d?.p99 as number, `${key}: p99 ≤ max`).toBeLessThanOrEqual(d?.max as number);
  expect(d?.n as number, `${key}.n`).toBeGreaterThan(0);
}

const DISTRIBUTIONS = [
  'decision_us',
  'sqlite_point_lookup_us',
  'tap_to_display_ms',
  'raw_card_event_ms',
  'tap_during_apply_ms',
  'event_loop_delay_during_apply_ms',
  'tap_during_import_ms',
  'tap_with_record_commit_during_import_ms',
  'tap_round_trip_during_import_ms',
  'event_loop_delay_during_import_ms',
  'record_commit_blocked_during_import_ms',
  'tap_without_import_ms',
  'tap_with_record_commit_without_import_ms',
  'event_loop_delay_without_import_ms',
  'start_to_ready_ms',
];
const NUMBERS = [
  'passes',
  'decision_over_lookup_p99',
  'tap_minus_raw_p99_ms',
  'snapshot_apply_s',
  'snapshot_total_s',
  'import_s',
  'daemon_waiting_for_cpu_during_import_ms',
  'upload_records_per_s',
  'rss_mb',
];

const work = mkdtempSync(join(tmpdir(), 'teiki-bench-smoke-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run bench --quick (smoke)', () => {
  it('prints --help and exits 0', async () => {
    const run = await runBench(['--help'], work);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--quick');
    expect(existsSync(join(work, 'bench-results.json'))).toBe(false);
  });

  it('refuses an unknown option with exit 2', async () => {
    const run = await runBench(['--fast'], work);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--fast');
  });

  it(
    'measures everything and writes one JSON document with every field as numbers',
    async () => {
      const run = await runBench(['--quick'], work);
      expect(run.code, run.stderr.slice(-4000)).toBe(0);
      const doc = JSON.parse(run.stdout) as Record<string, unknown>;
      // The same document is in bench-results.json, in the working directory.
      expect(JSON.parse(readFileSync(join(work, 'bench-results.json'), 'utf8'))).toEqual(doc);
      // Progress went to stderr, not into the JSON.
      expect(run.stderr).toContain('bench');

      expect(doc.quick).toBe(true);
      expect(doc.passes).toBe(20_000);
      for (const key of DISTRIBUTIONS) expectDist(doc, key);
      for (const key of NUMBERS) expect(isNumber(doc[key]), key).toBe(true);
      const first = doc.snapshot_first_list as Record<string, unknown>;
      expect(isNumber(first.snapshot_apply_s)).toBe(true);
      expect(isNumber(first.total_s)).toBe(true);
      expectDist(first, 'tap_during_apply_ms');
      expectDist(first, 'event_loop_delay_during_apply_ms');
      // Taps through the real daemon during a real `teiki passes import`: the nightly export at the
      // top level, a list that changes whole beside it.
      expect(doc.import_case).toBe('nightly');
      const whole = doc.import_whole_list as Record<string, unknown>;
      expect(whole.import_case).toBe('whole');
      expect(isNumber(whole.import_s)).toBe(true);
      expectDist(whole, 'tap_during_import_ms');
      expectDist(whole, 'event_loop_delay_during_import_ms');
      expect(doc.upload_records).toBe(5_000);

      const machine = doc.machine as Record<string, unknown>;
      expect(isNumber(machine.cores)).toBe(true);
      expect(isNumber(machine.memory_gb)).toBe(true);
      expect(machine.node).toBe(process.version);

      // Every target judged, as a boolean; whether they are met is not this test's business.
      const targets = doc.targets as Record<string, unknown>;
      expect(Object.keys(targets).length).toBeGreaterThanOrEqual(12);
      expect(targets).toHaveProperty(['tap_during_import_ms.p99 <= 2']);
      for (const [name, met] of Object.entries(targets)) expect(typeof met, name).toBe('boolean');
      expect(typeof doc.all_targets_met).toBe('boolean');
    },
    TIMEOUT_MS,
  );
});
