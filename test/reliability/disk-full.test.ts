/**
 * Issue 7, fault "disk full while writing records": the real `teiki run` keeps its data directory
 * on a tiny tmpfs (mounted by the test; needs root, as the pcscd tests do). Taps are recorded,
 * then the filesystem is filled to the last page and taps go on: each is still decided and shown
 * (a verdict frame and a tone on the serial display wire, read by the display-unit simulator on a
 * socat pty, Shift_JIS as on the bus), the status frame carries the storage alarm, nothing stored
 * before is lost. The first record that meets the full disk is held in memory and makes the
 * daemon give up its disk reserve (issue 12), so it and the records after it are written into
 * that room: none is lost. Then the filler is removed, the reserve is laid down again, the alarm
 * clears, and the database passes `PRAGMA integrity_check`.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusLine, VerdictScreen } from '../../hardware/ports/driver-display.js';
import { type AttachedUnit, attachDisplayUnit } from '../../simulator/display-unit/attach.js';
import { runTeiki, TeikiProcess } from '../helpers/cli.js';
import { disposeAllPtys, openPtyPair } from '../helpers/pty.js';
import { importSample, makeWorkdir, type Workdir, writeCurrentPasses } from '../helpers/workdir.js';

const BEFORE = 20;
const WHILE_FULL = 15;
const AFTER = 10;
const ALARM = '記録エラー';

let root: string;
let mnt: string;
let w: Workdir;
let proc: TeikiProcess | null = null;
let unit: AttachedUnit;
const screens: VerdictScreen[] = [];
const statuses: StatusLine[] = [];
let tones = 0;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the disk-full test mounts a tmpfs: it needs root');
  root = mkdtempSync(join(tmpdir(), 'teiki-diskfull-'));
  mnt = join(root, 'mnt');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mnt]);
  const pty = await openPtyPair();
  unit = await attachDisplayUnit(pty.b, { encoding: 'shift_jis' });
  unit.unit.onMessage((m) => {
    if (m.type === 'verdict') screens.push(m.screen);
    else if (m.type === 'status') statuses.push(m.status);
    else if (m.type === 'signal') tones++;
  });
  w = makeWorkdir({
    data_dir: join(mnt, 'data'),
    readers: [{ driver: 'sim', role: 'boarding' }],
    display: { driver: 'serial', path: pty.a, encoding: 'shift_jis' },
  });
  await importSample(w, { passes: writeCurrentPasses(w) });
}, 60_000);

afterAll(async () => {
  proc?.kill('SIGKILL');
  await proc?.exited;
  await unit?.close();
  await disposeAllPtys();
  try {
    execFileSync('umount', [mnt]);
  } catch {
    execFileSync('umount', ['-l', mnt]);
  }
  rmSync(root, { recursive: true, force: true });
  w?.cleanup();
});

/** Fills the filesystem of `path` page by page until ENOSPC; returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 64 << 10, 4096, 512]) {
      const buf = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          written += writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

let cardNo = 0;
/** Taps a fresh card; resolves with its verdict screen on the display wire and its log line. */
async function tap(
  p: TeikiProcess,
): Promise<{ shown: VerdictScreen | undefined; toned: boolean; logged: Record<string, unknown> }> {
  const idm = `0114cc${(++cardNo).toString(16).padStart(10, '0')}`;
  const screensBefore = screens.length;
  const tonesBefore = tones;
  const linesBefore = p.lines.length;
  p.send(`tap ${idm} boarding\n`);
  const logged = await p.waitFor(
    (l) => p.lines.indexOf(l) >= linesBefore && (l.msg === 'tap' || l.msg === 'record_failed'),
    5000,
  );
  // The frames are queued before the record is written; they reach the unit within a moment.
  const deadline = Date.now() + 2000;
  while ((screens.length === screensBefore || tones === tonesBefore) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  return { shown: screens[screensBefore], toned: tones > tonesBefore, logged };
}

function records(): Promise<Array<Record<string, unknown>>> {
  return runTeiki(['records', 'list', '--config', w.config]).then((r) => {
    expect(r.code).toBe(0);
    return r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  });
}

describe('disk full while writing records', () => {
  it('decides and shows every tap, raises the storage alarm, loses nothing, and resumes when space returns', async () => {
    const started = Date.now();
    proc = new TeikiProcess(['run', '--config', w.config]);
    await proc.waitFor((l) => l.msg === 'ready', 20_000);
    for (let i = 0; i < BEFORE; i++) expect((await tap(proc)).logged.msg).toBe('tap');
    const stored = await records();
    expect(stored).toHaveLength(BEFORE);

    const filler = join(mnt, 'filler');
    const filled = fill(filler);
    const full: Awaited<ReturnType<typeof tap>>[] = [];
    for (let i = 0; i < WHILE_FULL; i++) full.push(await tap(proc));
    const held = full.filter((t) => t.logged.held === true).length;
    // Every tap decided and shown with its tone, and recorded: held at first, then committed
    // into the room of the disk reserve.
    for (const t of full) {
      expect(t.shown).toMatchObject({ verdict: 'reject', reason: 'no_pass', reader: 'boarding' });
      expect(t.toned).toBe(true);
      expect(t.logged).toMatchObject({ msg: 'tap', verdict: 'reject' });
    }
    expect(held).toBeGreaterThanOrEqual(1);
    expect(proc.lines.some((l) => l.msg === 'disk full: gave up the disk reserve for the records')).toBe(
      true,
    );
    await waitUntil(() => statuses.some((st) => st.alarms.some((a) => a.includes(ALARM))));
    const alarmed = statuses.find((st) => st.alarms.some((a) => a.includes(ALARM)));
    expect(proc.child.exitCode).toBeNull();
    expect(proc.lines.some((l) => l.msg === 'tap failed' || l.msg === 'record_failed')).toBe(false);

    rmSync(filler);
    const after: Array<Record<string, unknown>> = [];
    for (let i = 0; i < AFTER; i++) after.push((await tap(proc)).logged);
    expect(after.every((l) => l.msg === 'tap' && typeof l.seq === 'number')).toBe(true);
    // The reserve is laid down again within seconds of space coming back, and the alarm clears.
    await waitUntil(() => statuses.at(-1)?.alarms.length === 0, 10_000);
    expect(statuses.at(-1)?.alarms).toEqual([]);

    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    proc = null;
    const final = await records();
    // Nothing stored before is lost: the first records are there unchanged; none was lost since.
    expect(final.slice(0, BEFORE)).toEqual(stored);
    expect(final).toHaveLength(BEFORE + WHILE_FULL + AFTER);
    expect(final.map((r) => r.seq)).toEqual(final.map((_, i) => i + 1));
    const db = new Database(join(mnt, 'data/records.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    console.log(
      JSON.stringify({
        fault: 'disk-full',
        filled_bytes: filled,
        before: BEFORE,
        while_full: WHILE_FULL,
        held_in_memory: held,
        status_alarms: alarmed?.alarms,
        verdict_frames: screens.length,
        after: AFTER,
        seconds: (Date.now() - started) / 1000,
      }),
    );
  }, 60_000);
  // A daemon restarted while the disk is full (power cut, crash, systemd restart) must still
  // start: list.sqlite opens (its -wal and -shm files are kept from the last close,
  // device/store/wal-files.ts; without them the daemon would give up its disk reserve to create
  // them), taps are decided, the first record gives up the reserve and is written into its room,
  // and the storage alarm shows while there is no room for the reserve.
  it('starts again on a full disk, decides taps and shows the storage alarm', async () => {
    const filler = join(mnt, 'filler');
    fill(filler);
    const p = new TeikiProcess(['run', '--config', w.config]);
    proc = p;
    try {
      await waitUntil(() => p.lines.some((l) => l.msg === 'ready') || p.stderr.includes('teiki: '), 10_000);
      expect(p.stderr, 'teiki run did not start on a full disk').not.toContain('teiki: ');
      const { shown } = await tap(p);
      expect(shown).toMatchObject({ verdict: 'reject' });
      await waitUntil(() => statuses.at(-1)?.alarms.some((a) => a.includes(ALARM)) === true);
    } finally {
      p.kill('SIGKILL');
      await p.exited;
      proc = null;
      rmSync(filler, { force: true });
    }
  }, 30_000);
  // When `teiki run` cannot start at all (here: a data_dir that cannot exist), the open serial
  // display must not keep the process alive: systemd must see a failed start, exit code 4.
  it('exits at once with code 4 when its store cannot open, with a serial display configured', async () => {
    const bad = join(w.dir, 'bad-data-dir.json');
    const config = JSON.parse(readFileSync(w.config, 'utf8'));
    writeFileSync(bad, JSON.stringify({ ...config, data_dir: join(w.config, 'not-a-dir') }));
    const p = new TeikiProcess(['run', '--config', bad]);
    proc = p;
    try {
      const exit = await Promise.race([
        p.exited,
        new Promise((r) => setTimeout(() => r('still running'), 5000)),
      ]);
      expect(exit).toMatchObject({ code: 4 });
      expect(p.stderr).toMatch(/teiki: cannot open the local store in .*not-a-dir/);
    } finally {
      p.kill('SIGKILL');
      await p.exited;
      proc = null;
    }
  }, 30_000);
});

async function waitUntil(test: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out waiting on the display unit');
    await new Promise((r) => setTimeout(r, 10));
  }
}
