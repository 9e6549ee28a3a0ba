/**
 * Publishing without a new export: explicit changes (a refund or a card change entered by hand,
 * scripts, tests), and a fresh snapshot of the list last published (the answer to a bus's resync,
 * or `--full` with nothing new). Both go through the same log, plan and send as publishExport.
 */
import type { PassChanges } from '../../device/store/list-store.js';
import { LIMITS } from '../limits.js';
import { encodeDelta } from '../messages.js';
import type { PublishContext, PublishSummary } from './publish-context.js';
import { nextVersion } from './publish-export.js';
import { hasDelta, type Plan, planPublish } from './publish-plan.js';
import { sendVersion } from './publish-send.js';
import { toWireRow } from './wire-rows.js';

/**
 * Applies `changes` to the depot's list as the next version and publishes it (a delta, plus a
 * snapshot when due or asked for). Tombstones for cards that upserts move away from are found by
 * every store on its own (the bus's as well); `cardChanges` adds tombstones given as such.
 */
export async function publishChanges(
  ctx: PublishContext,
  changes: PassChanges,
  opts: { full?: boolean; reason?: string } = {},
): Promise<PublishSummary> {
  const startedAt = ctx.clock.now();
  const { state, settings } = ctx;
  const before = state.list.info();
  const lastDone = state.log.lastDone();
  const version = nextVersion(ctx);
  const createdAt = ctx.clock.now();
  const expiresAt = createdAt + settings.expiresInMs;
  const expiresIso = new Date(expiresAt).toISOString();
  const network = state.list.network.info().version;
  const upserts = changes.upserts ?? [];
  const removals = changes.removals ?? [];
  const cardChanges = changes.cardChanges ?? [];
  const sizeCounts = {
    total: upserts.length + removals.length,
    added: upserts.length,
    updated: 0,
    removed: removals.length,
    unchanged: 0,
    cardChanges: cardChanges.length,
    byStatus: {},
  };
  let plan: Plan = planPublish({
    full: opts.full === true,
    last: state.log.last(),
    listVersion: before.version,
    deltasSinceSnapshot: state.log.deltasSinceSnapshot(),
    snapshotEvery: settings.snapshotEvery,
    networkChanged: lastDone !== null && lastDone.network_version !== network,
    counts: sizeCounts,
  });
  if (opts.reason && plan.kind !== 'snapshot') plan = { ...plan, reason: opts.reason };
  let signed: Buffer | null = null;
  if (hasDelta(plan.kind)) {
    signed = encodeDelta(
      {
        type: 'delta',
        from_version: before.version ?? 0,
        to_version: version,
        created_at: new Date(createdAt).toISOString(),
        expires_at: expiresIso,
        network_version: network,
        upserts: upserts.map(toWireRow),
        removals: [...removals],
        card_changes: [...cardChanges],
      },
      ctx.privateKey,
    );
    if (signed.length > LIMITS.deltaMessageBytes) {
      plan = { kind: 'snapshot', reason: `delta of ${signed.length} bytes is too large` };
      signed = null;
    }
  }
  state.log.begin({
    version,
    kind: plan.kind,
    startedAt: new Date(createdAt).toISOString(),
    expiresAt: expiresIso,
    networkVersion: network,
  });
  const counts = state.list.applyChanges(changes, { version, source: 'sync', expiresAt: expiresIso });
  return sendVersion(ctx, {
    version,
    previousVersion: lastDone?.version ?? null,
    kind: plan.kind,
    reason: plan.reason,
    createdAt,
    expiresAt,
    networkVersion: network,
    networkChanged: false,
    delta: signed
      ? { signed, upserts: upserts.length, removals: removals.length, cardChanges: cardChanges.length }
      : null,
    counts,
    warnings: [],
    startedAt,
  });
}

/**
 * The list last published, again, as a new version with a fresh expiry: an empty delta for buses
 * in step and a snapshot for the others (a bus that saw a gap asked for it).
 */
export function republishSnapshot(
  ctx: PublishContext,
  reason = 'snapshot asked for',
): Promise<PublishSummary> {
  return publishChanges(ctx, {}, { full: true, reason });
}
