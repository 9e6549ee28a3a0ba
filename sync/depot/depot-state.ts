/**
 * The depot's state directory (`teiki depot publish --state DIR`): `published.sqlite`, a ListStore
 * holding exactly the list last published (the base of the next delta and the source of
 * snapshots), `publish-log.sqlite` (publish-log.ts) and `publish.lock`. One publisher at a time:
 * two would hand out the same version number with different contents.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ListStore } from '../../device/store/list-store.js';
import { makeDirSync } from '../../device/store/make-dir.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { PublishLog } from './publish-log.js';

export class DepotStateBusyError extends Error {
  override readonly name = 'DepotStateBusyError';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `publish.lock` (O_EXCL); a lock whose process is gone is taken over. */
function takeLock(path: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new DepotStateBusyError(`${path} is held by process ${pid}: another publish is running`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new DepotStateBusyError(`cannot take ${path}`);
}

export class DepotState {
  readonly list: ListStore;
  readonly log: PublishLog;
  /** `published.sqlite`, for a second connection (the snapshot packer's worker). */
  readonly listPath: string;
  readonly #lock: string;
  #closed = false;

  private constructor(list: ListStore, log: PublishLog, lock: string, listPath: string) {
    this.list = list;
    this.log = log;
    this.listPath = listPath;
    this.#lock = lock;
  }

  static open(dir: string, opts: { clock?: Clock } = {}): DepotState {
    makeDirSync(dir, 0o700);
    const lock = join(dir, 'publish.lock');
    takeLock(lock);
    let list: ListStore | undefined;
    const listPath = join(dir, 'published.sqlite');
    try {
      list = ListStore.open(listPath, { clock: opts.clock });
      const log = PublishLog.open(join(dir, 'publish-log.sqlite'));
      return new DepotState(list, log, lock, listPath);
    } catch (err) {
      list?.close();
      rmSync(lock, { force: true });
      throw err;
    }
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.list.close();
    this.log.close();
    rmSync(this.#lock, { force: true });
  }
}
