/**
 * `teiki depot collect`: receive record batches from every bus, store and acknowledge them, and
 * export what the depot holds. Runs until its abort signal (SIGTERM, SIGINT), `--duration`
 * seconds, or with `--once` until the queued batches stop coming for `--idle` seconds.
 */
import type { Logger } from '../../device/log/logger.js';
import { makeDirSync } from '../../device/store/make-dir.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { Collector } from './collector.js';
import { type ExportFormat, exportRecords, formatFromName } from './collector-export.js';
import { connectDepot, endQuietly } from './collector-mqtt.js';
import { CollectorStore } from './collector-store.js';

export interface CollectOptions {
  readonly state: string;
  readonly mqtt?: string | undefined;
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  /** How the person named each TLS file (flag or config key), for errors. */
  readonly tlsNames?: Record<'ca' | 'cert' | 'key', string> | undefined;
  readonly clientId: string;
  readonly once?: boolean | undefined;
  /** Seconds. */
  readonly duration?: number | undefined;
  /** Seconds without a batch that end `--once`. */
  readonly idle: number;
  readonly export?: string | undefined;
  readonly format?: ExportFormat | undefined;
}

/** A usage problem: the CLI prints it as one line and exits 2. */
export class CollectUsageError extends Error {
  override readonly name = 'CollectUsageError';
}

/** The state directory or its database cannot be opened: the CLI exits 4. */
export class CollectStoreError extends Error {
  override readonly name = 'CollectStoreError';
}

function openCollectorStore(state: string): CollectorStore {
  try {
    makeDirSync(state, 0o700);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CollectStoreError(`--state ${state}: cannot create it (${code})`);
  }
  try {
    return CollectorStore.open(state);
  } catch (err) {
    throw new CollectStoreError(`cannot open the collected records in ${state}: ${(err as Error).message}`);
  }
}

export interface CollectSummary {
  readonly batches: number;
  readonly records_stored: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** New records whose (vehicle, seq) another event id already held (a bus whose store was replaced). */
  readonly seq_clashes: number;
  readonly vehicles: number;
  readonly records_total: number;
  readonly exported: number | null;
}

export function checkCollectOptions(o: CollectOptions): ExportFormat | null {
  if (!o.mqtt && !o.export) {
    throw new CollectUsageError(
      'nothing to do: give --mqtt URL (or mqtt.url in the depot config) to collect, --export FILE to export, or both',
    );
  }
  if (o.once && o.duration !== undefined)
    throw new CollectUsageError('--once and --duration exclude each other');
  if ((o.once || o.duration !== undefined) && !o.mqtt) {
    throw new CollectUsageError('--once and --duration need --mqtt URL (or mqtt.url in the depot config)');
  }
  if (o.duration !== undefined && !(Number.isFinite(o.duration) && o.duration > 0)) {
    throw new CollectUsageError('--duration must be a positive number of seconds');
  }
  if (!(Number.isFinite(o.idle) && o.idle > 0))
    throw new CollectUsageError('--idle must be a positive number of seconds');
  if (!o.export) {
    if (o.format) throw new CollectUsageError('--format needs --export FILE');
    return null;
  }
  const format = o.format ?? formatFromName(o.export);
  if (!format) {
    throw new CollectUsageError(
      `--export ${o.export}: say --format csv or --format jsonl (or name the file .csv/.jsonl)`,
    );
  }
  return format;
}

export async function runCollect(
  o: CollectOptions,
  deps: { logger: Logger; clock: Clock; signal: AbortSignal },
): Promise<CollectSummary> {
  const format = checkCollectOptions(o);
  const log = deps.logger;
  const store = openCollectorStore(o.state);
  try {
    let stats = { batches: 0, records_stored: 0, duplicates: 0, rejected: 0, seq_clashes: 0, vehicles: 0 };
    if (o.mqtt) stats = await collect(o, o.mqtt, store, deps);
    let exported: number | null = null;
    if (o.export && format) {
      exported = exportRecords(store, o.export, format);
      log.info({ file: o.export, format, records: exported }, 'exported');
    }
    const summary: CollectSummary = {
      batches: stats.batches,
      records_stored: stats.records_stored,
      duplicates: stats.duplicates,
      rejected: stats.rejected,
      seq_clashes: stats.seq_clashes,
      vehicles: stats.vehicles,
      records_total: store.count(),
      exported,
    };
    log.info(summary, 'summary');
    return summary;
  } finally {
    store.close();
  }
}

async function collect(
  o: CollectOptions,
  url: string,
  store: CollectorStore,
  deps: { logger: Logger; clock: Clock; signal: AbortSignal },
) {
  const log = deps.logger;
  const client = await connectDepot(
    {
      url,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      ...(o.tlsNames ? { tlsNames: o.tlsNames } : {}),
      clientId: o.clientId,
      clean: false,
    },
    log,
    true,
  );
  let lastBatchAt = Date.now();
  let lastProgress = 0;
  const collector = new Collector({
    client,
    store,
    clock: deps.clock,
    logger: log,
    onBatch: () => {
      lastBatchAt = Date.now();
      if (lastBatchAt - lastProgress >= 5000) {
        lastProgress = lastBatchAt;
        log.info(collector.stats(), 'progress');
      }
    },
  });
  try {
    await collector.start();
    log.info(
      { url, client_id: o.clientId, once: Boolean(o.once), duration_s: o.duration ?? null },
      'collecting',
    );
    lastBatchAt = Date.now();
    await new Promise<void>((resolve) => {
      let durationTimer: NodeJS.Timeout | undefined;
      let idleTimer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearInterval(idleTimer);
        clearTimeout(durationTimer);
        deps.signal.removeEventListener('abort', finish);
        resolve();
      };
      if (deps.signal.aborted) return finish();
      deps.signal.addEventListener('abort', finish);
      if (o.duration !== undefined) durationTimer = setTimeout(finish, o.duration * 1000);
      if (o.once) {
        idleTimer = setInterval(() => {
          if (Date.now() - lastBatchAt >= o.idle * 1000) finish();
        }, 100);
      }
    });
  } finally {
    collector.stop();
    await endQuietly(client);
  }
  return collector.stats();
}
