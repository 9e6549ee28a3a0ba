/**
 * The facts of a bus's "online" status, read from its stores: the same numbers `teiki status
 * --json` prints (pass list, network, outbox), plus the sync rejections counted by the list sync.
 */

import type { StorageState } from '../../device/daemon/storage-state.js';
import type { ListStore } from '../../device/store/list-store.js';
import type { RecordStore } from '../../device/store/record-store.js';
import type { StatusFacts } from './status-publisher.js';

export interface StatusSources {
  readonly list: Pick<ListStore, 'info' | 'network'>;
  readonly records: Pick<RecordStore, 'pendingCount'> & {
    /** Records storage of the daemon (device/daemon/record-storage.ts), when it has one. */
    status?(): { storage: StorageState; pendingInMemory: number };
  };
  /** `sync.rejected` by code since start (the list sync counts them). */
  readonly rejected?: () => Readonly<Record<string, number>>;
  /** The package version the bus runs (`software_version` in the status). */
  readonly softwareVersion?: string;
}

export function statusFacts(src: StatusSources): StatusFacts {
  const info = src.list.info();
  const rejected = src.rejected?.() ?? {};
  const storage = src.records.status?.();
  return {
    list_version: info.version,
    list_expires_at: info.expiresAt,
    list_applied_at: info.appliedAt,
    network_version: src.list.network.info().version,
    pending_records: src.records.pendingCount(),
    ...(src.softwareVersion ? { software_version: src.softwareVersion } : {}),
    ...(Object.keys(rejected).length > 0 ? { rejected: { ...rejected } } : {}),
    // Only when something is wrong (issue 12): records that cannot be written, held in memory.
    ...(storage && (storage.storage !== 'ok' || storage.pendingInMemory > 0)
      ? { records_storage: storage.storage, records_in_memory: storage.pendingInMemory }
      : {}),
  };
}
