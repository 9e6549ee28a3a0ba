/**
 * The bus's list sync as a state machine (sync/README.md "Lists"): what to do with each list
 * message, given the list in force. Every message is verified against the pinned keys before it is
 * looked at; then the version guard decides (apply, hold, ignore, refuse). Deltas apply in order,
 * one transaction each; deltas that arrive ahead of a missing one wait a little (retained deltas
 * come back in any order), then the gap is called: the bus asks for a resync and subscribes again
 * (which brings the retained manifest and deltas back). A snapshot announced by a manifest is
 * fetched chunk by chunk and applied whole or not at all (list-snapshot-job.ts); deltas
 * and manifests that arrive meanwhile wait for it. Whatever is refused is counted by code and the
 * list in force stays. No I/O of its own: a ListTarget writes, SyncEffects reach MQTT and the
 * daemon.
 */
import { performance } from 'node:perf_hooks';
import type { ListInfo, PassChangeCounts } from '../../device/store/types.js';
import { openDelta, openManifest } from '../messages.js';
import { parsePassRow } from '../pass-rows.js';
import { isSyncRejection, SyncRejection } from '../rejection.js';
import { checkDeltaSize, checkSnapshotSize } from '../sanity.js';
import type { Delta } from '../schemas/delta.js';
import type { Manifest } from '../schemas/manifest.js';
import type { PinnedKey } from '../signing.js';
import { parseTopic, topics } from '../topics.js';
import { judgeDelta, judgeSnapshot } from '../version-guard.js';
import { CatchUpProbe } from './list-catch-up-probe.js';
import { GapWatch } from './list-gap-watch.js';
import { PendingDeltas } from './list-pending-deltas.js';
import { type JobOutcome, SnapshotJob } from './list-snapshot-job.js';
import {
  type ListSyncSettings,
  type ListTarget,
  realTimers,
  type SyncEffects,
  type Timers,
} from './list-sync-types.js';

export class ListSyncCore {
  readonly #target: ListTarget;
  readonly #fx: SyncEffects;
  readonly #keys: readonly PinnedKey[];
  readonly #s: ListSyncSettings;
  readonly #timers: Timers;
  readonly #pending: PendingDeltas;
  readonly #probe: CatchUpProbe;
  #info: ListInfo;
  #now = 0;
  /** The snapshot being fetched and applied, and its end (bookkeeping included). */
  #job: SnapshotJob | null = null;
  /** The nightly check asked to compare the list with the retained snapshot of its version. */
  #checkPending = false;
  #jobEnd: Promise<void> | null = null;
  #queuedManifest: Manifest | null = null;
  readonly #gap: GapWatch;
  /** A snapshot version that failed, not fetched again before `until` (its retained echo). */
  #failed: { version: number; until: number } | null = null;
  #stopped = false;

  constructor(
    target: ListTarget,
    effects: SyncEffects,
    opts: { keys: readonly PinnedKey[]; settings: ListSyncSettings; timers?: Timers },
  ) {
    this.#target = target;
    this.#fx = effects;
    this.#keys = opts.keys;
    this.#s = opts.settings;
    this.#timers = opts.timers ?? realTimers;
    this.#pending = new PendingDeltas(opts.settings.maxPendingDeltas);
    this.#info = target.info();
    this.#gap = new GapWatch({
      timers: this.#timers,
      settings: opts.settings,
      waitingFrom: () => this.#pending.lowest(),
      busy: () => this.#job !== null,
      have: () => this.#have(),
      count: (rejection) => this.#reject(rejection, topics.allDeltas),
      resync: (reason, have) => this.#fx.resync(reason, have),
      subscribeLists: () => this.#subscribeLists(),
    });
    this.#probe = new CatchUpProbe({
      fx: effects,
      timers: this.#timers,
      settings: opts.settings,
      busy: () => this.#job !== null,
      have: () => this.#have(),
      subscribeLists: () => this.#subscribeLists(),
    });
  }

  get info(): ListInfo {
    return this.#info;
  }

  /** (Re)connected: subscribe again, which also brings back the retained messages. */
  connected(now: number): void {
    if (this.#stopped) return;
    this.#now = now;
    this.#subscribeLists();
    if (this.#job && !this.#job.download.complete) this.#job.download.resubscribe();
    this.#probe.arm();
  }

  /**
   * The nightly full check: subscribe again so the broker resends the retained manifest (and any
   * delta missed), and this time a snapshot of the very version in force is fetched and compared
   * with the list row by row; whatever differs is repaired in one transaction (by difference, or
   * by replacement when much differs). A bus that is behind simply catches up.
   */
  requestCheck(now: number): void {
    if (this.#stopped) return;
    this.#checkPending = true;
    this.connected(now);
  }

  handle(topic: string, payload: Uint8Array, retain: boolean, now: number): void {
    if (this.#stopped) return;
    this.#now = now;
    this.#probe.touch();
    const parsed = parseTopic(topic);
    // An empty payload is the depot clearing a retained message, not a list message.
    if (!parsed || payload.byteLength === 0) return;
    if (parsed.kind === 'manifest') this.#onManifest(payload, retain, topic);
    else if (parsed.kind === 'delta') this.#onDelta(parsed.version, payload, retain, topic);
    else if (parsed.kind === 'chunk' && this.#job?.version === parsed.version) {
      try {
        this.#job.download.accept(parsed.index, payload);
      } catch (err) {
        this.#reject(err, topic); // the chunk stays missing and is fetched again
      }
    }
  }

  /** Idempotent: stops timers and downloads, cancels a snapshot apply and waits for it to roll back. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#gap.clear();
      this.#probe.stop();
      this.#job?.cancel('stopping');
      this.#pending.clear();
      this.#fx.phase('stopped');
    }
    await this.#jobEnd;
  }

  #onManifest(payload: Uint8Array, retain: boolean, topic: string): void {
    const manifest = this.#open(() => openManifest(payload, this.#keys).payload, topic);
    if (!manifest) return;
    const job = this.#job;
    if (job) {
      if (manifest.version > job.version && manifest.version > (this.#queuedManifest?.version ?? 0)) {
        this.#queuedManifest = manifest;
        // Still waiting for chunks of an older snapshot: the newer one supersedes it.
        if (!job.download.complete) job.cancel('superseded');
      }
      return;
    }
    this.#considerSnapshot(manifest, retain, topic);
  }

  #considerSnapshot(manifest: Manifest, retain: boolean, topic: string): void {
    const v = manifest.version;
    const d = judgeSnapshot(this.#info, manifest, this.#now);
    if (d.action === 'ignore') {
      // The version in force: fetched again only for the nightly check, to compare row by row.
      if (!this.#checkPending) {
        this.#fx.log.debug({ version: v }, 'snapshot already in force');
        return;
      }
      this.#fx.log.info({ version: v }, 'nightly check: comparing the list with the depot snapshot');
    } else if (d.action === 'refuse') {
      // The retained manifest is older than a list that moved on by deltas: normal on subscribe.
      if (retain && d.rejection.code === 'rollback') {
        this.#fx.log.debug({ version: v, have: this.#info.version }, 'retained snapshot is behind the list');
        return;
      }
      this.#reject(d.rejection, topic);
      if (d.rejection.code === 'expired') this.#fx.resync('expired', this.#have());
      return;
    } else if (d.action !== 'accept_snapshot') return;
    // A snapshot to fetch: the check (if one was asked) is this one, or moot for a newer list.
    this.#checkPending = false;
    if (this.#failed?.version === v && this.#now < this.#failed.until) {
      this.#fx.log.debug({ version: v }, 'snapshot failed recently; not fetched again yet');
      return;
    }
    let job: SnapshotJob;
    try {
      checkSnapshotSize(this.#info.count, manifest, this.#s.sanity);
      job = new SnapshotJob(manifest, {
        target: this.#target,
        fx: this.#fx,
        timers: this.#timers,
        settings: this.#s,
        now: this.#now,
      });
    } catch (err) {
      this.#reject(err, topic);
      return;
    }
    this.#fx.log.info(
      { version: v, chunks: manifest.chunk_count, bytes: manifest.total_bytes, passes: manifest.passes },
      'snapshot announced; fetching and staging chunks',
    );
    this.#job = job;
    this.#jobEnd = job.run().then((outcome) => this.#jobEnded(job, outcome));
  }

  #jobEnded(job: SnapshotJob, outcome: JobOutcome): void {
    this.#job = null;
    this.#jobEnd = null;
    const version = job.version;
    switch (outcome.kind) {
      case 'applied':
        this.#applied('snapshot', outcome.result.counts, outcome.durationMs, outcome.result.method);
        break;
      case 'canceled':
        this.#fx.log.info({ version, why: outcome.why }, 'snapshot not applied; list unchanged');
        break;
      case 'given_up':
      case 'failed':
        if (outcome.kind === 'failed') this.#reject(outcome.error, topics.manifest);
        else this.#fx.log.warn({ version, missing: outcome.missing }, 'snapshot given up; list unchanged');
        // Its retained echo is not fetched again for a while; a fresh snapshot is asked for.
        this.#failed = { version, until: this.#now + this.#s.resyncEveryMs };
        if (!this.#stopped) this.#fx.resync('rejected', this.#have());
        break;
    }
    if (this.#stopped) return;
    this.#fx.phase('idle');
    const queued = this.#queuedManifest;
    this.#queuedManifest = null;
    this.#drain();
    if (queued) this.#considerSnapshot(queued, false, topics.manifest);
  }

  #onDelta(version: number, payload: Uint8Array, retain: boolean, topic: string): void {
    const delta = this.#open(() => openDelta(payload, this.#keys).payload, topic);
    if (!delta) return;
    if (delta.to_version !== version) {
      this.#reject(
        new SyncRejection('malformed', `delta ${delta.to_version} came on the topic of ${version}`),
        topic,
      );
      return;
    }
    if (this.#job) {
      this.#pending.add(delta); // judged once the snapshot is in force
      return;
    }
    this.#consumeDelta(delta, retain, topic);
    this.#drain();
  }

  #consumeDelta(delta: Delta, quiet: boolean, topic: string): void {
    const d = judgeDelta(this.#info, delta, this.#now);
    switch (d.action) {
      case 'ignore':
        // Retained deltas come back on every subscribe; only a live one is a replay.
        if (quiet) this.#fx.log.debug({ version: delta.to_version }, 'delta already applied');
        else
          this.#reject(
            new SyncRejection('replay', `delta ${delta.to_version} is not after list ${this.#info.version}`),
            topic,
          );
        return;
      case 'refuse':
        this.#reject(d.rejection, topic);
        return;
      case 'resync':
        if (!this.#pending.add(delta))
          this.#fx.log.debug({ version: delta.to_version }, 'delta dropped: too far ahead');
        this.#gap.arm();
        return;
      case 'apply_delta':
        try {
          const started = performance.now();
          checkDeltaSize(this.#info.count, delta, this.#s.sanity);
          const upserts = delta.upserts.map(parsePassRow);
          const counts = this.#target.applyDelta(delta, upserts);
          this.#applied('delta', counts, Math.round(performance.now() - started));
        } catch (err) {
          this.#reject(err, topic);
        }
        return;
      default:
        return;
    }
  }

  /** Applies held deltas that now follow the list in force; arms or clears the gap timer. */
  #drain(): void {
    while (!this.#stopped && !this.#job && this.#have() !== null) {
      const before = this.#info.version ?? 0;
      const next = this.#pending.takeNext(before);
      if (!next) break;
      this.#consumeDelta(next, true, topics.delta(next.to_version));
      if (this.#info.version === before) break;
    }
    if (this.#pending.size === 0) this.#gap.clear();
    else this.#gap.arm();
  }

  #applied(
    kind: 'delta' | 'snapshot',
    counts: PassChangeCounts,
    duration: number,
    method: 'difference' | 'replacement' | null = null,
  ): void {
    this.#info = this.#target.info();
    this.#failed = null;
    const version = this.#info.version ?? 0;
    this.#fx.log.info(
      { kind, method, version, expires_at: this.#info.expiresAt, duration_ms: duration },
      'list applied',
    );
    this.#fx.applied({
      kind,
      method,
      version,
      expires_at: this.#info.expiresAt,
      applied_at: this.#info.appliedAt,
      counts,
      duration_ms: duration,
      info: this.#info,
    });
  }

  #have(): number | null {
    return this.#info.source === 'sync' ? this.#info.version : null;
  }

  #subscribeLists(): void {
    this.#fx.subscribe([topics.manifest, topics.allDeltas]);
  }

  #open<T>(read: () => T, topic: string): T | null {
    try {
      return read();
    } catch (err) {
      this.#reject(err, topic);
      return null;
    }
  }

  #reject(err: unknown, topic: string): void {
    if (isSyncRejection(err)) {
      this.#fx.log.warn(
        { topic, code: err.code, err: err.message },
        'list message refused; list in force unchanged',
      );
      this.#fx.rejected({ code: err.code, message: err.message, topic });
      return;
    }
    // Not the message's fault (a store error, a bug): the list in force stays all the same.
    this.#fx.log.error(
      { topic, err: err instanceof Error ? err.message : String(err) },
      'list message failed',
    );
  }
}
