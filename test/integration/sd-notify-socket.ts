/**
 * A notify socket for tests: what systemd listens on for sd_notify(3) messages. Node cannot bind an
 * AF_UNIX datagram socket, so a python3 child does, and prints one JSON line per datagram with the
 * time it arrived. BARRIER=1 datagrams (systemd-notify's wait for the manager) are dropped; their
 * file descriptor is closed by the kernel because we read no ancillary data, which releases the
 * sender just as systemd would.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RECEIVER = `
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"bound": True}), flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps({"at": time.time() * 1000, "msg": data.decode("utf-8", "replace")}), flush=True)
`;

export interface NotifyMessage {
  /** Wall-clock milliseconds when the datagram arrived. */
  readonly at: number;
  readonly fields: Readonly<Record<string, string>>;
}

export class NotifySocket {
  readonly path: string;
  readonly messages: NotifyMessage[] = [];
  readonly #dir: string;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #bound: Promise<void>;
  readonly #waiters: Array<{ test: (m: NotifyMessage) => boolean; resolve: (m: NotifyMessage) => void }> = [];

  private constructor() {
    this.#dir = mkdtempSync(join(tmpdir(), 'teiki-notify-'));
    this.path = join(this.#dir, 'notify');
    this.#child = spawn('python3', ['-c', RECEIVER, this.path]);
    let stderr = '';
    this.#child.stderr.on('data', (d) => {
      stderr += d;
    });
    this.#bound = new Promise((resolve, reject) => {
      let buf = '';
      this.#child.stdout.on('data', (d) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = JSON.parse(buf.slice(0, i)) as { bound?: true; at?: number; msg?: string };
          buf = buf.slice(i + 1);
          if (line.bound) resolve();
          else if (line.at !== undefined && line.msg !== undefined) this.#receive(line.at, line.msg);
        }
      });
      this.#child.on('error', reject);
      this.#child.on('close', (code) => reject(new Error(`notify receiver exited ${code}: ${stderr}`)));
    });
  }

  static async open(): Promise<NotifySocket> {
    const s = new NotifySocket();
    await s.#bound;
    return s;
  }

  /** Messages that carry `key=value`. */
  with(key: string, value = '1'): NotifyMessage[] {
    return this.messages.filter((m) => m.fields[key] === value);
  }

  waitFor(key: string, value = '1', timeoutMs = 15_000): Promise<NotifyMessage> {
    const test = (m: NotifyMessage) => m.fields[key] === value;
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no ${key}=${value} within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  close(): void {
    this.#child.kill('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #receive(at: number, msg: string): void {
    const fields: Record<string, string> = {};
    for (const line of msg.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
    }
    if (fields.BARRIER === '1') return;
    const m: NotifyMessage = { at, fields };
    this.messages.push(m);
    for (const w of [...this.#waiters]) {
      if (w.test(m)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }
}

/**
 * Runs `fn` with these environment variables set (undefined = removed), then restores them. The
 * test helpers spawn `teiki` with this process's environment, and spawning is synchronous, so
 * the child gets them and nothing else ever sees them.
 */
export function withEnv<T>(env: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
