/**
 * `npm run demo` as a test (issue 5): the built demo runs as a child process, exits 0, and its
 * JSON summary has the scripted counts: every verdict as simulator/demo/script.ts says, every
 * record uploaded to the depot and acknowledged, a clean shutdown, nothing left behind. With
 * `--json` stdout is exactly one JSON document and the driver's screens go to stderr (issue 11).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { excessHeadline, KIND_JA } from '../../device/display/messages-ja.js';
import { screenText } from '../../device/display/screen-lines.js';
import { checkRealStack } from '../../simulator/demo/real-stack.js';
import type { DemoSummary } from '../../simulator/demo/summary.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DEMO = resolve(ROOT, 'dist/simulator/demo/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(
  args: readonly string[],
  input = '',
  timeoutMs = 60_000,
  env: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [DEMO, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** stdout of a `--json` run: exactly one JSON document, on one line. */
function onlyJson(stdout: string): DemoSummary {
  expect(stdout.endsWith('\n')).toBe(true);
  expect(stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(stdout) as DemoSummary;
}

const demoDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('teiki-demo-'));

describe('npm run demo', () => {
  it('plays the scripted morning: counts as scripted, every record uploaded and acknowledged', async () => {
    const before = new Set(demoDirs());
    const run = await runDemo(['--json']);
    expect(run.code).toBe(0);

    const summary = onlyJson(run.stdout);
    expect(summary.mismatches).toEqual([]);
    expect(summary.taps).toBe(22);
    expect(summary.recorded).toBe(21);
    expect(summary.by_reason).toEqual({
      'accept/ok': 12,
      'excess/excess_fare': 4,
      'attention/no_tap_on': 1,
      'duplicate/duplicate_tap': 1,
      'reject/card_changed': 1,
      'reject/expired': 1,
      'reject/no_pass': 1,
      'reject/refunded': 1,
    });
    expect(summary.buses).toEqual({
      'bus-101': { taps: 10, recorded: 10, list_version: 2 },
      'ib-205': { taps: 12, recorded: 11, list_version: 2 },
    });
    expect(summary.records.uploaded).toBe(summary.recorded);
    expect(summary.records.acknowledged).toBe(summary.recorded);
    expect(summary.records.depot_duplicates).toBe(0);
    expect(summary.problem_messages).toEqual([]);
    expect(summary.clean_shutdown).toBe(true);

    // The driver's screens went to stderr: Japanese texts, tones and lights, the list versions.
    expect(run.stderr).toContain(excessHeadline(440));
    expect(run.stderr).toContain(KIND_JA.disability);
    expect(run.stderr).toContain(screenText.signal('reject'));
    expect(run.stderr).toContain('リスト更新 32分前 第2版');
    expect(run.stderr).toContain('有効期限 2026/04/30');
    expect(run.stderr).not.toMatch(/demo: failed|warning|error/i);
    // No colour codes without a terminal.
    expect(run.stderr).not.toContain('\x1b[');
    // Nothing left behind: its temp directory is gone.
    expect(demoDirs().filter((d) => !before.has(d))).toEqual([]);
  }, 90_000);

  it('without --json tells the whole story and the summary table on stdout, nothing on stderr', async () => {
    const run = await runDemo([]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(excessHeadline(440));
    expect(run.stdout).toContain(screenText.signal('accept'));
    expect(run.stdout).toMatch(/summary: 22 taps, 21 recorded/);
    expect(() => JSON.parse(run.stdout)).toThrow();
  }, 90_000);

  it('prints its usage with --help and refuses an unknown option', async () => {
    const help = await runDemo(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--interactive');
    expect(help.stdout).toContain('--real-stack');
    const bad = await runDemo(['--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--frobnicate');
  });

  it('lets a person tap cards by key (--interactive, keys on stdin)', async () => {
    // Card 1 (MC-0001) on at 松江駅, two stops on, card 1 off; q quits.
    const run = await runDemo(['--interactive', '--json'], '1\nn\nn\na\n1\nq\n');
    expect(run.code).toBe(0);
    const summary = onlyJson(run.stdout);
    expect(run.stderr).toContain('降車 OK 定期券有効');
    expect(summary.taps).toBe(2);
    expect(summary.by_reason).toEqual({ 'accept/ok': 2 });
    expect(summary.records.acknowledged).toBe(2);
    expect(summary.records.uploaded).toBe(2);
  }, 90_000);

  // Like the other real-stack tests it needs pcscd, vpcd and socat (`.ci/run` installs them):
  // a missing part fails the test by name rather than skipping it.
  it('plays the same morning with bus-101 on pcscd + vpcd and serial ptys (--real-stack)', async () => {
    expect(checkRealStack(), 'what --real-stack lacks on this machine').toEqual([]);
    const run = await runDemo(['--real-stack', '--json'], '', 280_000, {
      TEIKI_DEMO_PCSCD_WAIT_MS: '240000',
    });
    expect(run.code).toBe(0);
    const summary = onlyJson(run.stdout);
    expect(summary.mismatches).toEqual([]);
    expect(summary.taps).toBe(22);
    expect(summary.records.uploaded).toBe(21);
    expect(summary.records.acknowledged).toBe(21);
    expect(summary.problem_messages).toEqual([]);
    expect(run.stderr).toContain('pcscd + vpcd readers');
    expect(run.stderr).toContain(excessHeadline(440));
  }, 300_000);
});
