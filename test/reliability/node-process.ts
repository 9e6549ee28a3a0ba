/** A node script of ours as a child process whose JSON log lines can be awaited (like TeikiProcess). */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export class NodeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Array<Record<string, unknown>> = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(script: string, args: readonly string[]) {
    this.child = spawn(process.execPath, [script, ...args]);
    let buf = '';
    this.child.stdout.on('data', (d) => {
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const text of parts) {
        try {
          this.lines.push(JSON.parse(text) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
    });
    this.child.stderr.on('data', (d) => {
      this.stderr += d;
    });
    this.exited = new Promise((r) => this.child.on('close', (code, signal) => r({ code, signal })));
  }

  async waitFor(
    test: (l: Record<string, unknown>) => boolean,
    timeoutMs = 15_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(test);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(
          `no such log line; stderr:\n${this.stderr}\nlines:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
