/**
 * The daemon's boarding records whatever the disk does (issue 12 point 2). Wraps records.sqlite
 * (RecordStore): while it can be written, every record is committed at its tap, as always. When
 * it cannot (a read-only mount, a full disk, a file that will not open), records are held in
 * memory in tap order (device/pipeline/held-records.ts, bounded), the store is tried again with
 * a capped back-off, and once it takes writes the held records are written first, in order and
 * in small transactions that leave the tap loop free between them, then the ride state.
 *
 * A read-only mount opens records.sqlite read-only without a word (SQLite falls back), so the
 * open tap-ons stored before are still read, and a write probe tells the state at once. A
 * connection opened so stays read-only after a remount read-write: each retry opens afresh.
 *
 * While storage is down, uploads pause (the depot's acks could not be stored, and the records
 * would be sent again and again); they resume once the held records are written.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { DEFAULT_HELD_BOUND, HeldRecords } from '../pipeline/held-records.js';
import type { HeldRecord, TapRecorder } from '../pipeline/tap-pipeline.js';
import type { OpenTapOn } from '../rules/types.js';
import type { RecordStore } from '../store/record-store.js';
import type { NewRecord, StoredRecord } from '../store/types.js';
import { classifyStorageError, type StorageState } from './storage-state.js';

/** What this needs of records.sqlite (RecordStore; tests hand in one that fails on demand). */
export type RecordsFile = Pick<
  RecordStore,
  | 'vehicleId'
  | 'openTapOn'
  | 'commitTap'
  | 'commitHeld'
  | 'setOpenTapOns'
  | 'canWrite'
  | 'pendingAfter'
  | 'markUploadedRange'
  | 'pendingCount'
  | 'purgeUploaded'
  | 'close'
>;

export interface RecordStorageStatus {
  readonly storage: StorageState;
  /** Records decided but not yet written, held in memory. */
  readonly pendingInMemory: number;
  /** Records lost since start because the memory bound was reached. */
  readonly lost: number;
  readonly bound: number;
}

/** Timers on injected time: unit tests run the retries on virtual time. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A tap whose record could be neither written nor held: the memory bound was reached. */
export class RecordLostError extends Error {
  override readonly name = 'RecordLostError';
}

export interface RecordStorageOptions {
  readonly vehicleId: string;
  /** Opens records.sqlite (RecordStore.open); throws when it cannot. */
  readonly open: () => RecordsFile;
  /** Where records.sqlite lives: a failure SQLite leaves unexplained is judged from it. */
  readonly dataDir: string;
  readonly logger: Logger;
  readonly timers?: Timers;
  readonly bound?: number;
  /**
   * Back-off between tries of a store that is down; default 0.5 s doubling to 5 s. A try is
   * cheap (open a file, roll back one row), and records should land soon after storage is back.
   */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  /** Held records written per transaction (taps run between transactions); default 200. */
  readonly batch?: number;
  /** The storage state changed, or the first record of an outage was lost. */
  readonly onChange?: () => void;
  /** Records were committed (held ones written): offer them to the depot. */
  readonly onWritten?: (count: number) => void;
  /**
   * The disk is full: make room if you can (the daemon gives up its disk reserve,
   * device/store/disk-reserve.ts); true when room was made, and the records are tried at once.
   */
  readonly onFull?: () => boolean;
}

export class RecordStorage implements TapRecorder {
  readonly #o: RecordStorageOptions;
  readonly #log: Logger;
  readonly #timers: Timers;
  readonly #held: HeldRecords;
  readonly #retry: { readonly initialMs: number; readonly maxMs: number };
  #file: RecordsFile | null = null;
  #state: StorageState = 'ok';
  #timer: unknown = null;
  #delayMs: number;
  #lostAtOutageStart = 0;
  #lastError: string | null = null;
  /** Room was just made on a full disk: the next try comes at once. */
  #retrySoon = false;
  #closed = false;

  constructor(opts: RecordStorageOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ component: 'records' });
    this.#timers = opts.timers ?? realTimers;
    this.#held = new HeldRecords(opts.bound ?? DEFAULT_HELD_BOUND);
    this.#retry = opts.retry ?? { initialMs: 500, maxMs: 5000 };
    this.#delayMs = this.#retry.initialMs;
    // The owner reads status() once this returns: no onChange from inside the constructor.
    if (!this.#connect()) this.#down(false);
  }

  get vehicleId(): string {
    return this.#o.vehicleId;
  }

  status(): RecordStorageStatus {
    return {
      storage: this.#state,
      pendingInMemory: this.#held.size,
      lost: this.#held.lost,
      bound: this.#held.bound,
    };
  }

  openTapOn(idm: string): OpenTapOn | null {
    const decided = this.#held.ride(idm.toLowerCase());
    if (decided !== undefined) return decided;
    if (!this.#file) return null;
    try {
      return this.#file.openTapOn(idm);
    } catch (err) {
      // A store that cannot even be read is reopened by the retry; the tap goes on without it.
      this.#failed(err, 'read');
      return null;
    }
  }

  commitTap(record: NewRecord, tapOn: 'open' | 'close' | 'keep'): StoredRecord | HeldRecord {
    const eventId = randomUUID();
    if (this.#state === 'ok' && this.#file && this.#held.empty) {
      try {
        return this.#file.commitTap(record, tapOn, eventId);
      } catch (err) {
        this.#failed(err, 'write');
      }
    }
    if (!this.#held.hold({ record, tapOn, eventId })) {
      if (this.#held.lost === this.#lostAtOutageStart + 1) {
        this.#log.error(
          { bound: this.#held.bound, storage: this.#state },
          'records held in memory reached the bound: new records are lost until storage is back',
        );
        this.#o.onChange?.();
      }
      throw new RecordLostError(
        `records storage is ${this.#state} and ${this.#held.bound} records are held in memory: this record is lost (${this.#held.lost} so far)`,
      );
    }
    this.#schedule();
    return { held: true, event_id: eventId, inMemory: this.#held.size };
  }

  /** Pending records on disk; none while storage is down (see the file comment). */
  pendingAfter(afterSeq: number, limit: number): StoredRecord[] {
    if (!this.#writableNow()) return [];
    return this.#guard(() => this.#file?.pendingAfter(afterSeq, limit) ?? [], []);
  }

  markUploadedRange(firstSeq: number, lastSeq: number): number {
    if (!this.#writableNow()) return 0;
    return this.#guard(() => this.#file?.markUploadedRange(firstSeq, lastSeq) ?? 0, 0);
  }

  /** Records on disk awaiting the depot's ack (held ones are `status().pendingInMemory`). */
  pendingCount(): number {
    return this.#guard(() => this.#file?.pendingCount() ?? 0, 0, 'read');
  }

  purgeUploaded(olderThanMs: number): number {
    if (!this.#writableNow()) return 0;
    return this.#guard(() => this.#file?.purgeUploaded(olderThanMs) ?? 0, 0);
  }

  /** Stops retrying; one last try to write what is held, then closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) this.#timers.clear(this.#timer);
    this.#timer = null;
    if (!this.#held.empty) {
      if (this.#reconnect() && this.#writeBatch(this.#held.size)) this.#writeRides();
      if (this.#held.size > 0) {
        this.#log.error(
          { lost: this.#held.size, storage: this.#state },
          'records held in memory are lost: storage did not come back before shutdown',
        );
      }
    }
    this.#file?.close();
    this.#file = null;
  }

  #writableNow(): boolean {
    return this.#state === 'ok' && this.#held.empty && this.#file !== null;
  }

  #guard<T>(run: () => T, fallback: T, what: 'read' | 'write' = 'write'): T {
    try {
      return run();
    } catch (err) {
      this.#failed(err, what);
      return fallback;
    }
  }

  /** (Re)opens the file and probes it; true (state ok) when it takes writes. */
  #connect(): boolean {
    try {
      this.#file?.close();
    } catch {
      // Closing a broken connection may fail; a fresh one is opened either way.
    }
    this.#file = null;
    try {
      this.#file = this.#o.open();
      if (this.#file.canWrite()) {
        this.#state = 'ok';
        return true;
      }
      this.#state = 'read_only';
      this.#lastError = 'the records database opened read-only';
    } catch (err) {
      this.#noteFailure(err);
    }
    return false;
  }

  /** Takes the state from a failure; on a full disk asks the owner for room (see onFull). */
  #noteFailure(err: unknown, what: 'read' | 'write' = 'write'): void {
    this.#state = what === 'read' ? 'unavailable' : classifyStorageError(err, this.#o.dataDir);
    this.#lastError = (err as Error)?.message ?? String(err);
    if (this.#state === 'full' && this.#o.onFull?.()) this.#retrySoon = true;
  }

  /**
   * Ready to write: a full disk keeps its connection (it writes once there is room, and only a
   * write can tell); anything else opens afresh, since a read-only connection stays read-only.
   */
  #reconnect(): boolean {
    if (this.#file && (this.#state === 'full' || this.#state === 'ok')) {
      this.#state = 'ok';
      return true;
    }
    return this.#connect();
  }

  #failed(err: unknown, what: 'read' | 'write'): void {
    const wasOk = this.#state === 'ok';
    this.#noteFailure(err, what);
    if (wasOk) this.#down();
  }

  /** Storage just went down: say it once, and start trying again. */
  #down(notify = true): void {
    this.#lostAtOutageStart = this.#held.lost;
    this.#delayMs = this.#retry.initialMs;
    this.#log.error(
      { storage: this.#state, err: this.#lastError, in_memory: this.#held.size, bound: this.#held.bound },
      'records cannot be written: holding them in memory',
    );
    if (notify) this.#o.onChange?.();
    this.#schedule();
  }

  #schedule(delayMs?: number): void {
    if (this.#closed || this.#timer !== null) return;
    if (delayMs === undefined && this.#retrySoon) delayMs = 0;
    this.#retrySoon = false;
    const ms = delayMs ?? this.#delayMs;
    if (delayMs === undefined) this.#delayMs = Math.min(this.#retry.maxMs, this.#delayMs * 2);
    this.#timer = this.#timers.set(() => {
      this.#timer = null;
      this.#tryAgain();
    }, ms);
  }

  #tryAgain(): void {
    if (this.#closed) return;
    if (!this.#reconnect()) {
      this.#schedule();
      return;
    }
    if (this.#held.size > 0) {
      if (!this.#writeBatch(this.#o.batch ?? 200)) {
        this.#schedule();
        return;
      }
      // Yield to the tap loop between transactions; new taps queue behind the held ones.
      if (this.#held.size > 0) {
        this.#schedule(0);
        return;
      }
    }
    if (!this.#writeRides()) {
      this.#schedule();
      return;
    }
    this.#delayMs = this.#retry.initialMs;
    this.#log.info({ lost: this.#held.lost }, 'records storage writable again');
    this.#o.onChange?.();
  }

  /** Writes up to `n` held records in one transaction; false (and the state) when it failed. */
  #writeBatch(n: number): boolean {
    const file = this.#file;
    if (!file) {
      this.#state = 'unavailable';
      return false;
    }
    const batch = this.#held.peek(n);
    let stored: StoredRecord[];
    try {
      stored = file.commitHeld(batch);
    } catch (err) {
      this.#noteFailure(err);
      return false;
    }
    this.#held.taken(batch.length);
    this.#log.info(
      {
        written: stored.length,
        first_seq: stored[0]?.seq ?? null,
        last_seq: stored.at(-1)?.seq ?? null,
        in_memory: this.#held.size,
      },
      'held records written',
    );
    this.#o.onWritten?.(stored.length);
    return true;
  }

  /** Once every held record is written: the ride state decided meanwhile, lost records' too. */
  #writeRides(): boolean {
    if (this.#held.empty) return true;
    try {
      this.#file?.setOpenTapOns(this.#held.rides());
    } catch (err) {
      this.#noteFailure(err);
      return false;
    }
    this.#held.ridesWritten();
    return true;
  }
}
