/**
 * The second half of every publish, once the depot's own list holds the new version: send it
 * (delta first, so buses in step move on at once; then the snapshot's chunks and manifest), clear
 * the retained deltas and chunks the new snapshot makes useless, and mark the version done.
 * Anything failing here leaves the version `started` in the log, and the next publish sends a
 * full snapshot under a new number.
 */
import { jstDate } from '../../device/rules/dates.js';
import type { PassChangeCounts } from '../../device/store/types.js';
import { LIMITS } from '../limits.js';
import type { Manifest } from '../schemas/manifest.js';
import { ListPublisher, type SnapshotPacker } from './list-publisher.js';
import type { PublishContext, PublishSummary } from './publish-context.js';
import type { PublishKind } from './publish-log.js';
import { hasSnapshot } from './publish-plan.js';
import { packSnapshotInWorker } from './snapshot-pack.js';

export interface VersionToSend {
  readonly version: number;
  readonly previousVersion: number | null;
  readonly kind: PublishKind;
  readonly reason: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly networkVersion: string | null;
  readonly networkChanged: boolean;
  /** The signed delta, when the kind has one. */
  readonly delta: {
    readonly signed: Buffer;
    readonly upserts: number;
    readonly removals: number;
    readonly cardChanges: number;
  } | null;
  readonly counts: PassChangeCounts;
  readonly warnings: readonly string[];
  readonly startedAt: number;
}

/** Not every message of a version reached the broker (refused, the connection went, packing failed). */
export class PublishSendError extends Error {
  override readonly name = 'PublishSendError';

  constructor(
    readonly version: number,
    cause: unknown,
  ) {
    super(
      `list version ${version} was not fully published (${cause instanceof Error ? cause.message : String(cause)}); ` +
        'the next publish sends a full snapshot under a new version',
      { cause },
    );
  }
}

interface Sent {
  readonly manifest: Manifest | null;
  readonly clearedDeltas: number;
  readonly clearedChunkSets: number;
}

async function sendMessages(ctx: PublishContext, v: VersionToSend): Promise<Sent> {
  const publisher = new ListPublisher(ctx.client, ctx.privateKey);
  const log = ctx.state.log;
  if (v.delta) await publisher.publishDelta(v.version, v.delta.signed);
  if (!hasSnapshot(v.kind)) return { manifest: null, clearedDeltas: 0, clearedChunkSets: 0 };
  // Marked before publishing (as many as a manifest may have), so the chunks of a snapshot that
  // failed halfway are cleared by the next one.
  log.chunksRetained(v.version, LIMITS.chunkCount);
  const pack: SnapshotPacker = (sink) =>
    packSnapshotInWorker(
      {
        listPath: ctx.state.listPath,
        today: jstDate(v.createdAt),
        options: {
          version: v.version,
          createdAt: v.createdAt,
          expiresAt: v.expiresAt,
          networkVersion: v.networkVersion,
          compression: ctx.settings.compression,
        },
      },
      sink,
    );
  const manifest = await publisher.publishSnapshot(v.version, pack, (i) => ctx.onProgress?.('chunks', i + 1));
  log.chunksRetained(v.version, manifest.chunk_count);
  // The new snapshot serves every bus that is not in step: older deltas and chunks only cost
  // buses that reconnect time and broker memory.
  ctx.onProgress?.('clearing', 0);
  const deltas = log.retainedDeltas(v.version);
  await publisher.clearDeltas(deltas);
  log.deltasCleared(deltas);
  let clearedChunkSets = 0;
  for (const old of log.retainedChunks(v.version)) {
    await publisher.clearChunks(old.version, old.count);
    log.chunksCleared(old.version);
    clearedChunkSets++;
  }
  return { manifest, clearedDeltas: deltas.length, clearedChunkSets };
}

export async function sendVersion(ctx: PublishContext, v: VersionToSend): Promise<PublishSummary> {
  const log = ctx.state.log;
  let sent: Sent;
  try {
    sent = await sendMessages(ctx, v);
  } catch (err) {
    throw new PublishSendError(v.version, err);
  }
  const { manifest, clearedDeltas, clearedChunkSets } = sent;

  const info = ctx.state.list.info();
  log.finish(v.version, {
    doneAt: new Date(ctx.clock.now()).toISOString(),
    passes: info.count,
    active: info.active,
    chunkCount: manifest?.chunk_count ?? null,
    sha256: manifest?.sha256 ?? null,
  });
  ctx.logger?.info({ version: v.version, kind: v.kind, reason: v.reason }, 'list published');

  const c = v.counts;
  return {
    version: v.version,
    previous_version: v.previousVersion,
    kind: v.kind,
    reason: v.reason,
    created_at: new Date(v.createdAt).toISOString(),
    expires_at: new Date(v.expiresAt).toISOString(),
    network_version: v.networkVersion,
    network_changed: v.networkChanged,
    passes: {
      total: info.count,
      active: info.active,
      added: c.added,
      updated: c.updated,
      removed: c.removed,
      unchanged: c.unchanged,
      card_changes: c.cardChanges,
      by_status: c.byStatus,
    },
    delta: v.delta
      ? {
          upserts: v.delta.upserts,
          removals: v.delta.removals,
          card_changes: v.delta.cardChanges,
          bytes: v.delta.signed.length,
        }
      : null,
    snapshot: manifest
      ? {
          chunks: manifest.chunk_count,
          bytes: manifest.total_bytes,
          raw_bytes: manifest.raw_bytes,
          entries: manifest.entries,
          sha256: manifest.sha256,
          compression: manifest.compression,
        }
      : null,
    cleared: { deltas: clearedDeltas, chunk_sets: clearedChunkSets },
    warnings: v.warnings,
    duration_ms: Math.round(ctx.clock.now() - v.startedAt),
  };
}
