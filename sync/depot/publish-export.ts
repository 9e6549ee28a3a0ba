/**
 * `teiki depot publish`: a sales export becomes the next list version on the broker.
 *
 * 1. The network is compiled into the depot's list database (its version goes into every list;
 *    a changed network makes a snapshot due).
 * 2. The export is read with the same reader (read once, encoding from the first bytes, size
 *    cap), row schema and network check as `teiki passes import`, into a staged replacement of
 *    the list last published: nothing changes if a row is bad or names an area, operator or
 *    issuer the network lacks.
 * 3. The drop guard `teiki passes import` applies compares active passes with the last published
 *    list (publish-guard.ts → device/imports/list-drop-guard.ts).
 * 4. The plan (publish-plan.ts) picks delta, snapshot or both; the delta is the staged difference
 *    (upserts, removals, and a tombstone for every card a pass moved away from).
 * 5. The version is logged `started`, the depot's list commits, then publish-send.ts sends it.
 */
import { importNetworkDir } from '../../device/imports/network-import.js';
import { readSalesExport } from '../../device/imports/sales-export.js';
import type { InputSource } from '../../device/imports/text-source.js';
import { LIMITS } from '../limits.js';
import { encodeDelta } from '../messages.js';
import type { PublishContext, PublishSummary } from './publish-context.js';
import { guardActiveDrop } from './publish-guard.js';
import { hasDelta, planPublish } from './publish-plan.js';
import { sendVersion, type VersionToSend } from './publish-send.js';
import { toWireRow } from './wire-rows.js';

export interface ExportToPublish {
  /** A path, or a named stream (stdin): read once, like `teiki passes import` reads it. */
  readonly passesFile: InputSource;
  readonly networkDir: string;
  /** Send a snapshot with this version whatever the schedule. */
  readonly full?: boolean;
  /** Publish even when the sanity guard would refuse. */
  readonly force?: boolean;
}

/** The next version number: after anything ever started, and after the depot's own list. */
export function nextVersion(ctx: PublishContext): number {
  return Math.max(ctx.state.log.maxVersion() ?? 0, ctx.state.list.info().version ?? 0) + 1;
}

export async function publishExport(ctx: PublishContext, e: ExportToPublish): Promise<PublishSummary> {
  const startedAt = ctx.clock.now();
  const { state, settings } = ctx;
  const lastDone = state.log.lastDone();
  const network = await importNetworkDir(state.list, e.networkDir);
  const networkChanged = lastDone !== null && lastDone.network_version !== network.version;

  const before = state.list.info();
  const version = nextVersion(ctx);
  const createdAt = ctx.clock.now();
  const expiresAt = createdAt + settings.expiresInMs;
  const expiresIso = new Date(expiresAt).toISOString();
  const replacement = state.list.beginReplacement({ version, source: 'sync', expiresAt: expiresIso });
  let send: VersionToSend;
  try {
    await readSalesExport(e.passesFile, replacement, {
      onProgress: (n) => ctx.onProgress?.('rows', n),
      network: state.list.network.ids(),
    });
    const counts = replacement.pendingCounts();
    const warning = guardActiveDrop({
      version,
      activeBefore: lastDone ? before.active : null,
      activeAfter: counts.byStatus.active ?? 0,
      force: e.force === true,
      sanity: settings.sanity,
    });
    let plan = planPublish({
      full: e.full === true,
      last: state.log.last(),
      listVersion: before.version,
      deltasSinceSnapshot: state.log.deltasSinceSnapshot(),
      snapshotEvery: settings.snapshotEvery,
      networkChanged,
      counts,
    });
    let delta: VersionToSend['delta'] = null;
    if (hasDelta(plan.kind)) {
      const staged = replacement.stagedChanges(LIMITS.deltaItems);
      const signed = encodeDelta(
        {
          type: 'delta',
          from_version: before.version ?? 0,
          to_version: version,
          created_at: new Date(createdAt).toISOString(),
          expires_at: expiresIso,
          network_version: network.version,
          upserts: staged.upserts.map(toWireRow),
          removals: staged.removals,
          card_changes: staged.cardChanges,
        },
        ctx.privateKey,
      );
      if (signed.length > LIMITS.deltaMessageBytes) {
        plan = { kind: 'snapshot', reason: `delta of ${signed.length} bytes is too large` };
      } else {
        delta = {
          signed,
          upserts: staged.upserts.length,
          removals: staged.removals.length,
          cardChanges: staged.cardChanges.length,
        };
      }
    }
    state.log.begin({
      version,
      kind: plan.kind,
      startedAt: new Date(createdAt).toISOString(),
      expiresAt: expiresIso,
      networkVersion: network.version,
    });
    replacement.commit();
    send = {
      version,
      previousVersion: lastDone?.version ?? null,
      kind: plan.kind,
      reason: plan.reason,
      createdAt,
      expiresAt,
      networkVersion: network.version,
      networkChanged,
      delta,
      counts,
      warnings: warning ? [warning] : [],
      startedAt,
    };
  } finally {
    replacement.abort();
  }
  return sendVersion(ctx, send);
}
