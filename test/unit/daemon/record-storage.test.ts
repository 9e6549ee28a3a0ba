/**
 * RecordStorage on virtual time (issue 12 point 2): records held in memory while records.sqlite
 * cannot be written, retried with a capped back-off, and written in tap order with the seq
 * numbers they would have had. The file is a real RecordStore (in memory) behind a switch that
 * makes it read-only, full, or impossible to open, as a real mount would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RecordLostError,
  RecordStorage,
  type RecordStorageOptions,
  type RecordsFile,
  type Timers,
} from '../../../device/daemon/record-storage.js';
import { type HeldWrite, RecordStore } from '../../../device/store/record-store.js';
import type { NewRecord } from '../../../device/store/types.js';
import { captureLogger } from '../pipeline/helpers.js';

/** Timers on a virtual clock: `advance` runs what falls due, in order. */
class VirtualTimers implements Timers {
  now = 0;
  readonly delays: number[] = [];
  #next = 1;
  #due: Array<{ id: number; at: number; fn: () => void }> = [];
  set(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.delays.push(ms);
    this.#due.push({ id, at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.#due = this.#due.filter((t) => t.id !== handle);
  }
  get pending(): number {
    return this.#due.length;
  }
  /** Runs the earliest timer only, moving the clock to it. */
  step(): void {
    this.#due.sort((a, b) => a.at - b.at || a.id - b.id);
    const t = this.#due.shift();
    if (!t) throw new Error('no timer is due');
    this.now = Math.max(this.now, t.at);
    t.fn();
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.#due.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = this.#due[0];
      if (!t || t.at > end) break;
      this.#due.shift();
      this.now = t.at;
      t.fn();
    }
    this.now = end;
  }
}

type Disk = 'ok' | 'read_only' | 'full' | 'cannot_open';
const sqliteError = (code: string) => Object.assign(new Error(code), { code });

/** records.sqlite as a mount would make it: the rows live on in `store` across opens. */
class SwitchedFile implements RecordsFile {
  constructor(
    readonly store: RecordStore,
    readonly disk: { mode: Disk; opened: number },
    /** A connection opened on a read-only mount stays read-only after a remount. */
    readonly openedReadOnly: boolean,
  ) {}
  get vehicleId() {
    return this.store.vehicleId;
  }
  #write<T>(run: () => T): T {
    if (this.openedReadOnly || this.disk.mode === 'read_only') throw sqliteError('SQLITE_READONLY');
    if (this.disk.mode === 'full') throw sqliteError('SQLITE_FULL');
    return run();
  }
  openTapOn(idm: string) {
    return this.store.openTapOn(idm);
  }
  commitTap(rec: NewRecord, tapOn: 'open' | 'close' | 'keep', eventId?: string) {
    return this.#write(() => this.store.commitTap(rec, tapOn, eventId));
  }
  commitHeld(writes: readonly HeldWrite[]) {
    return this.#write(() => this.store.commitHeld(writes));
  }
  setOpenTapOns(rides: ReadonlyArray<[string, import('../../../device/rules/types.js').OpenTapOn | null]>) {
    return this.#write(() => this.store.setOpenTapOns(rides));
  }
  canWrite() {
    return !this.openedReadOnly && this.disk.mode !== 'read_only';
  }
  pendingAfter(after: number, limit: number) {
    return this.store.pendingAfter(after, limit);
  }
  markUploadedRange(a: number, b: number) {
    return this.#write(() => this.store.markUploadedRange(a, b));
  }
  pendingCount() {
    return this.store.pendingCount();
  }
  purgeUploaded(ms: number) {
    return this.#write(() => this.store.purgeUploaded(ms));
  }
  close() {}
}

let dir: string;
let store: RecordStore;
let disk: { mode: Disk; opened: number };
let timers: VirtualTimers;
let changes: number;
let written: number[];
let log: ReturnType<typeof captureLogger>;
let storage: RecordStorage | null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'teiki-rs-'));
  store = RecordStore.open(':memory:', 'bus-101');
  disk = { mode: 'ok', opened: 0 };
  timers = new VirtualTimers();
  changes = 0;
  written = [];
  log = captureLogger();
  storage = null;
});
afterEach(() => {
  storage?.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(opts: Partial<RecordStorageOptions> = {}): RecordStorage {
  storage = new RecordStorage({
    vehicleId: 'bus-101',
    open: () => {
      disk.opened++;
      if (disk.mode === 'cannot_open') throw sqliteError('SQLITE_CANTOPEN');
      return new SwitchedFile(store, disk, disk.mode === 'read_only');
    },
    dataDir: dir,
    logger: log.logger,
    timers,
    onChange: () => changes++,
    onWritten: (count) => written.push(count),
    ...opts,
  });
  return storage;
}

let tapNo = 0;
function rec(
  idm: string,
  reader: 'boarding' | 'alighting' = 'boarding',
  over: Partial<NewRecord> = {},
): NewRecord {
  tapNo++;
  return {
    at: tapNo * 60_000,
    idm,
    reader,
    route: '81',
    trip: null,
    stop: `s${tapNo}`,
    verdict: 'reject',
    reason: 'no_pass',
    pass_id: null,
    fare: null,
    excess: null,
    tap_on_event_id: null,
    ...over,
  };
}
const card = (i: number) => `0114ee${i.toString(16).padStart(10, '0')}`;
const stops = () => [...store.list()].map((r) => r.stop);

describe('records storage', () => {
  it('commits at the tap while records.sqlite can be written, with nothing held or retried', () => {
    const s = open();
    const out = s.commitTap(rec(card(1)), 'keep');
    expect(out).toMatchObject({ seq: 1, uploaded: false });
    expect(s.status()).toEqual({ storage: 'ok', pendingInMemory: 0, lost: 0, bound: 10_000 });
    expect(timers.pending).toBe(0);
  });

  it('starts read-only, holds the records, retries with a capped back-off, and writes them in order once writable', () => {
    const first = rec(card(1), 'boarding', { verdict: 'accept', reason: 'ok', pass_id: 'P1' });
    store.commitTap(first, 'open');
    disk.mode = 'read_only';
    const s = open();
    expect(s.status().storage).toBe('read_only');
    expect(
      log.lines.find((l) => l.msg === 'records cannot be written: holding them in memory'),
    ).toMatchObject({
      level: 50,
      storage: 'read_only',
    });
    // The tap-on stored before is read from the read-only file.
    const tapOn = s.openTapOn(card(1));
    expect(tapOn?.stop).toBe(first.stop);
    const held = [rec(card(1), 'alighting', { tap_on_event_id: tapOn?.event_id ?? null })];
    const off = s.commitTap(held[0] as NewRecord, 'close');
    expect(off).toMatchObject({ held: true, inMemory: 1 });
    expect(s.openTapOn(card(1))).toBeNull();
    for (let i = 2; i <= 4; i++) {
      held.push(rec(card(i)));
      s.commitTap(held.at(-1) as NewRecord, 'keep');
    }
    expect(s.status()).toMatchObject({ storage: 'read_only', pendingInMemory: 4 });
    // While down nothing is offered to the depot: its acks could not be stored.
    expect(s.pendingAfter(0, 100)).toEqual([]);

    timers.advance(60_000);
    expect(timers.delays.slice(0, 9)).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000]);
    const opensWhileDown = disk.opened;
    expect(opensWhileDown).toBeGreaterThan(9);
    expect([...store.list()]).toHaveLength(1);

    disk.mode = 'ok';
    timers.advance(5000);
    // Each try opens afresh: a connection opened read-only stays so after a remount.
    expect(disk.opened).toBe(opensWhileDown + 1);
    const all = [...store.list()];
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(stops()).toEqual([first.stop, ...held.map((r) => r.stop)]);
    expect(all[1]).toMatchObject({
      reader: 'alighting',
      tap_on_event_id: all[0]?.event_id,
      event_id: off.event_id,
    });
    expect(store.openTapOn(card(1))).toBeNull();
    expect(s.status()).toEqual({ storage: 'ok', pendingInMemory: 0, lost: 0, bound: 10_000 });
    expect(written).toEqual([4]);
    // Once: storage back (the state at start is read by the owner, not announced).
    expect(changes).toBe(1);
    expect(log.lines.some((l) => l.msg === 'records storage writable again')).toBe(true);
    // And on as before: committed at the tap, next seq.
    expect(s.commitTap(rec(card(9)), 'keep')).toMatchObject({ seq: 6 });
    expect(timers.pending).toBe(0);
  });

  it('holds records behind a full disk, keeps its connection, and writes the held ones before any new one', () => {
    const s = open();
    const taps = [1, 2, 3, 4].map((i) => rec(card(i)));
    expect(s.commitTap(taps[0] as NewRecord, 'keep')).toMatchObject({ seq: 1 });
    disk.mode = 'full';
    expect(s.commitTap(taps[1] as NewRecord, 'keep')).toMatchObject({ held: true });
    expect(s.status().storage).toBe('full');
    s.commitTap(taps[2] as NewRecord, 'keep');
    timers.advance(1600);
    expect(s.status()).toMatchObject({ storage: 'full', pendingInMemory: 2 });
    const opens = disk.opened;
    disk.mode = 'ok';
    // A new tap after space came back but before the retry: it queues behind the held ones.
    expect(s.commitTap(taps[3] as NewRecord, 'keep')).toMatchObject({ held: true, inMemory: 3 });
    timers.advance(2000);
    expect(disk.opened).toBe(opens);
    expect(stops()).toEqual(taps.map((t) => t.stop));
    expect([...store.list()].map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(s.status().storage).toBe('ok');
  });

  it('asks for room on a full disk (the daemon gives up its reserve) and, given it, writes at once', () => {
    let reserve = true;
    const s = open({
      onFull: () => {
        if (!reserve) return false;
        reserve = false;
        disk.mode = 'ok';
        return true;
      },
    });
    disk.mode = 'full';
    const r = rec(card(1));
    expect(s.commitTap(r, 'keep')).toMatchObject({ held: true });
    expect(timers.delays).toEqual([0]);
    timers.advance(0);
    expect(stops()).toEqual([r.stop]);
    expect(s.status().storage).toBe('ok');
    // No reserve left: the next full disk waits its back-off.
    disk.mode = 'full';
    s.commitTap(rec(card(2)), 'keep');
    expect(timers.delays).toEqual([0, 500]);
  });

  it('refuses records past the bound, says so once at error, and still stores the ride state they decided', () => {
    disk.mode = 'cannot_open';
    const s = open({ bound: 2 });
    expect(s.status().storage).toBe('unavailable');
    s.commitTap(rec(card(1), 'boarding', { verdict: 'accept', reason: 'ok' }), 'open');
    s.commitTap(rec(card(2)), 'keep');
    const before = changes;
    // Past the bound: the tap-off of card 1 is lost, and so is a later tap.
    expect(() => s.commitTap(rec(card(1), 'alighting'), 'close')).toThrow(RecordLostError);
    expect(() => s.commitTap(rec(card(3)), 'keep')).toThrow(/this record is lost \(2 so far\)/);
    expect(s.status()).toMatchObject({ pendingInMemory: 2, lost: 2 });
    expect(changes).toBe(before + 1);
    expect(log.lines.filter((l) => String(l.msg).includes('reached the bound'))).toHaveLength(1);
    expect(s.openTapOn(card(1))).toBeNull();

    disk.mode = 'ok';
    timers.advance(1000);
    expect([...store.list()].map((r) => r.seq)).toEqual([1, 2]);
    // The lost tap-off closed the ride: the store must not keep card 1 riding.
    expect(store.openTapOn(card(1))).toBeNull();
    expect(s.status()).toEqual({ storage: 'ok', pendingInMemory: 0, lost: 2, bound: 2 });
  });

  it('writes many held records in small transactions, letting taps in between', () => {
    disk.mode = 'read_only';
    const s = open({ batch: 100 });
    for (let i = 0; i < 250; i++) s.commitTap(rec(card(i)), 'keep');
    disk.mode = 'ok';
    timers.step();
    expect(store.pendingCount()).toBe(100);
    expect(s.status()).toMatchObject({ storage: 'ok', pendingInMemory: 150 });
    // A tap between two transactions waits its turn behind the rest.
    s.commitTap(rec(card(999)), 'keep');
    timers.step();
    expect(store.pendingCount()).toBe(200);
    timers.step();
    expect(timers.pending).toBe(0);
    expect(written).toEqual([100, 100, 51]);
    const all = [...store.list()];
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 251 }, (_, i) => i + 1));
    expect(all.at(-1)?.idm).toBe(card(999));
  });

  it('tries once more at shutdown, and says at error what is lost if storage is still down', () => {
    disk.mode = 'read_only';
    let s = open();
    s.commitTap(rec(card(1)), 'keep');
    disk.mode = 'ok';
    s.close();
    expect(stops()).toEqual([`s${tapNo}`]);

    disk.mode = 'read_only';
    s = open();
    s.commitTap(rec(card(2)), 'keep');
    s.commitTap(rec(card(3)), 'keep');
    s.close();
    storage = null;
    expect(log.lines.at(-1)).toMatchObject({
      level: 50,
      lost: 2,
      msg: 'records held in memory are lost: storage did not come back before shutdown',
    });
    expect(timers.pending).toBe(0);
  });
});
