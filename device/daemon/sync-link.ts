/**
 * What the daemon knows of sync (issue 4): a handle it starts after its stores are open, tells
 * about every committed record, asks for the link state of the status line, and stops in its
 * shutdown path. The composition root (device/cli/platform.ts) builds it from sync/bus/, so the
 * daemon itself never imports the network side (DESIGN.md layout).
 */
import type { ListStore } from '../store/list-store.js';
import type { RecordStore } from '../store/record-store.js';
import type { RecordStorageStatus } from './record-storage.js';

/**
 * The records as sync sees them (device/daemon/record-storage.ts): the outbox on disk, empty while
 * storage is down, and the storage state for the bus's status.
 */
export type SyncRecords = Pick<
  RecordStore,
  'vehicleId' | 'pendingAfter' | 'markUploadedRange' | 'pendingCount' | 'purgeUploaded'
> & { status(): RecordStorageStatus };

export interface SyncContext {
  readonly list: ListStore;
  readonly records: SyncRecords;
  /** The list database file: the list sync applies on its own connection to it. */
  readonly listPath: string;
  readonly recordsPath: string;
  /** Call after the list in force changed (a delta or snapshot applied). */
  readonly onListChanged: () => void;
}

export interface SyncLink {
  /** Resolves once the list sync can apply messages; the broker may still be unreachable. */
  start(): Promise<void>;
  /** A boarding record was committed: offer it to the depot soon. */
  recordCommitted(): void;
  /** 'online' while connected to the broker. */
  link(): 'online' | 'offline';
  /** Idempotent: cron jobs, "offline" status, uploader, list sync, then the MQTT client. */
  stop(): Promise<void>;
}

export type SyncFactory = (ctx: SyncContext) => SyncLink;
