/** Running the built `teiki` command from tests. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const TEIKI = resolve(ROOT, 'dist/device/cli/teiki.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The command line that runs `teiki args`; `prefix` runs it under another command, e.g.
 * `nsenter -t PID -m --` to run it in a private mount namespace.
 */
function teikiCommand(args: readonly string[], prefix: readonly string[] = []): [string, string[]] {
  const [first, ...rest] = [...prefix, process.execPath, TEIKI, ...args];
  return [first as string, rest];
}

export function runTeiki(
  args: readonly string[],
  opts: {
    cwd?: string;
    input?: string;
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
    prefix?: readonly string[];
  } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(...teikiCommand(args, opts.prefix), {
      cwd: opts.cwd ?? ROOT,
      ...(opts.env ? { env: opts.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A long-running `teiki` (e.g. `run`) whose JSON log lines can be awaited. */
export class TeikiProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Array<Record<string, unknown>> = [];
  stderr = '';
  readonly #waiters: Array<{
    test: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    args: readonly string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv; prefix?: readonly string[] } = {},
  ) {
    this.child = spawn(...teikiCommand(args, opts.prefix), {
      cwd: opts.cwd ?? ROOT,
      ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    });
    let buf = '';
    this.child.stdout.on('data', (d) => {
      buf += d;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text);
        } catch {
          continue;
        }
        this.lines.push(line);
        for (const w of [...this.#waiters]) {
          if (w.test(line)) {
            this.#waiters.splice(this.#waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    this.child.stderr.on('data', (d) => {
      this.stderr += d;
    });
    this.exited = new Promise((r) => this.child.on('close', (code, signal) => r({ code, signal })));
  }

  /**
   * Resolves with the first log line (already seen or future) that passes `test`; with `from`,
   * only lines from that index on count (cheap on long runs: earlier lines are not looked at).
   */
  waitFor(
    test: (l: Record<string, unknown>) => boolean,
    timeoutMs = 15_000,
    from = 0,
  ): Promise<Record<string, unknown>> {
    for (let i = from; i < this.lines.length; i++) {
      const seen = this.lines[i]!;
      if (test(seen)) return Promise.resolve(seen);
    }
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out waiting for a log line; stderr:\n${this.stderr}\nlines:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolvePromise(l);
        },
      });
    });
  }

  send(text: string): void {
    this.child.stdin.write(text);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
