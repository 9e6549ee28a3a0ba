/**
 * The daemon's watch over its data directory (issues 7 and 12): the boarding records
 * (RecordStorage: committed, or held in memory while they cannot be), the disk reserve, the
 * storage alarm of the status line, and the state file `teiki status` reads.
 *
 * The reserve (device/store/disk-reserve.ts) is given up the moment records meet a full disk, so
 * they are written into its room rather than held in memory, and laid down again as soon as
 * there is room; the driver sees 記録エラー 空き容量なし while it is gone.
 */
import type { Clock } from '../../hardware/ports/clock.js';
import type { Logger } from '../log/logger.js';
import { ensureReserve, releaseReserve } from '../store/disk-reserve.js';
import { RecordStore } from '../store/record-store.js';
import { RecordStorage } from './record-storage.js';
import { RUNTIME_DIR, removeRecordsState, writeRecordsState } from './records-state-file.js';
import type { StorageState } from './storage-state.js';

/** How often a missing reserve is tried again. */
const RESERVE_EVERY_MS = 2_000;
/** The state file is rewritten at most this often while records are held. */
const STATE_EVERY_MS = 1_000;

export interface StorageWatchOptions {
  readonly dataDir: string;
  readonly recordsPath: string;
  readonly vehicleId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where `teiki status` finds the state file (records-state-file.ts). */
  readonly runtimeDir?: string;
  /** The storage alarm may have changed: refresh the status line. */
  readonly onChange: () => void;
  /** Held records were written: offer them to the depot. */
  readonly onWritten: () => void;
}

export interface StorageAlarmInput {
  readonly storage: StorageState;
  readonly recordsOverflowing: boolean;
  readonly storageLow: boolean;
}

export class StorageWatch {
  readonly records: RecordStorage;
  readonly #o: StorageWatchOptions;
  readonly #log: Logger;
  /** No disk reserve in place: the disk is full or nearly. */
  #low = false;
  #reserveTimer: NodeJS.Timeout | null = null;
  #stateTimer: NodeJS.Timeout | null = null;
  #stateAt = 0;
  #closed = false;

  constructor(opts: StorageWatchOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ component: 'daemon' });
    this.records = new RecordStorage({
      vehicleId: opts.vehicleId,
      open: () => RecordStore.open(opts.recordsPath, opts.vehicleId),
      dataDir: opts.dataDir,
      logger: opts.logger,
      onChange: () => {
        opts.onChange();
        this.publish();
      },
      onWritten: () => {
        opts.onWritten();
        this.publish();
      },
      onFull: () => this.#giveUpReserve(),
    });
    // On a read-only mount there is no reserve to lay, which says nothing about space.
    if (ensureReserve(opts.dataDir) === 'no_room') {
      this.#log.warn({ data_dir: opts.dataDir }, 'disk full: no room for the disk reserve');
      this.#setLow(true);
    }
  }

  alarmInput(): StorageAlarmInput {
    const st = this.records.status();
    return {
      storage: st.storage,
      recordsOverflowing: st.storage !== 'ok' && st.pendingInMemory >= st.bound,
      storageLow: this.#low,
    };
  }

  /**
   * Tells `teiki status` the records storage state: at once after a quiet second, else at the
   * end of it, so a stream of held taps costs one small write a second.
   */
  publish(): void {
    if (this.#closed || this.#stateTimer) return;
    const wait = this.#stateAt + STATE_EVERY_MS - Date.now();
    if (wait > 0) {
      this.#stateTimer = setTimeout(() => {
        this.#stateTimer = null;
        this.publish();
      }, wait).unref();
      return;
    }
    this.#stateAt = Date.now();
    const st = this.records.status();
    writeRecordsState(
      this.#o.dataDir,
      {
        pid: process.pid,
        updated_at: new Date(this.#o.clock.now()).toISOString(),
        storage: st.storage,
        pending_in_memory: st.pendingInMemory,
        lost: st.lost,
        bound: st.bound,
      },
      this.#o.runtimeDir ?? RUNTIME_DIR,
    );
  }

  /** Stops the timers, writes what is held if it can (RecordStorage.close), drops the state file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reserveTimer) clearInterval(this.#reserveTimer);
    if (this.#stateTimer) clearTimeout(this.#stateTimer);
    this.records.close();
    removeRecordsState(this.#o.dataDir, this.#o.runtimeDir ?? RUNTIME_DIR);
  }

  #giveUpReserve(): boolean {
    if (!releaseReserve(this.#o.dataDir)) return false;
    this.#log.warn({ data_dir: this.#o.dataDir }, 'disk full: gave up the disk reserve for the records');
    this.#setLow(true);
    return true;
  }

  #setLow(low: boolean): void {
    if (low === this.#low || this.#closed) return;
    this.#low = low;
    if (this.#reserveTimer) clearInterval(this.#reserveTimer);
    this.#reserveTimer = null;
    if (!low) return;
    this.#reserveTimer = setInterval(() => {
      // The reserve comes back as soon as there is room for it, and the alarm goes with it.
      if (ensureReserve(this.#o.dataDir) !== 'in_place') return;
      this.#log.info('disk reserve laid down again');
      this.#setLow(false);
      this.#o.onChange();
    }, RESERVE_EVERY_MS).unref();
  }
}
