/**
 * The facts of a bus's "online" status, read from its stores: the same numbers `teiki status
 * --json` prints (pass list, network, outbox), plus the sync rejections counted by the list sync.
 */
import type { ListStore } from '../../device/store/list-store.js';
import type { RecordStore } from '../../device/store/record-store.js';
import type { StatusFacts } from './status-publisher.js';

export interface StatusSources {
  readonly list: Pick<ListStore, 'info' | 'network'>;
  readonly records: Pick<RecordStore, 'pendingCount'>;
  /** `sync.rejected` by code since start (the list sync counts them). */
  readonly rejected?: () => Readonly<Record<string, number>>;
  /** The package version the bus runs (`software_version` in the status). */
  readonly softwareVersion?: string;
}

export function statusFacts(src: StatusSources): StatusFacts {
  const info = src.list.info();
  const rejected = src.rejected?.() ?? {};
  return {
    list_version: info.version,
    list_expires_at: info.expiresAt,
    list_applied_at: info.appliedAt,
    network_version: src.list.network.info().version,
    pending_records: src.records.pendingCount(),
    ...(src.softwareVersion ? { software_version: src.softwareVersion } : {}),
    ...(Object.keys(rejected).length > 0 ? { rejected: { ...rejected } } : {}),
  };
}
