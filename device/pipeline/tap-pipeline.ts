/**
 * The tap pipeline (issue 2 point 5): tap → duplicate filter → lookup → decide → driver display +
 * passenger signal → durable record → one `tap` log line, written only after the record is
 * committed. Synchronous from card event to commit: better-sqlite3 is synchronous and a tap
 * must never wait behind other work; display and signal only enqueue. When the records store
 * cannot be written the recorder holds the record in memory instead (device/daemon/
 * record-storage.ts): the tap is still decided and shown, and its log line says `held`.
 */
import { performance } from 'node:perf_hooks';
import type { CardEvent, FelicaCard, ReaderRole } from '../../hardware/ports/card-reader.js';
import type { Clock } from '../../hardware/ports/clock.js';
import type { DriverDisplay, VerdictScreen } from '../../hardware/ports/driver-display.js';
import type { PassengerSignal } from '../../hardware/ports/passenger-signal.js';
import type { CurrentStop } from '../../hardware/ports/stop-source.js';
import type { RuleSettings } from '../config/rules-schema.js';
import { foreignCardScreen, verdictScreen } from '../display/screens.js';
import type { Reason, Verdict } from '../domain/verdict.js';
import type { Logger } from '../log/logger.js';
import { maskCard, maskIdm } from '../log/mask.js';
import {
  type ClockBounds,
  type ClockState,
  clockTrusted,
  judgeClock,
  NO_CLOCK_BOUNDS,
} from '../rules/clock-trust.js';
import type { Decision, OpenTapOn } from '../rules/types.js';
import type { CardPasses, NetworkLookup, NewRecord, StoredRecord } from '../store/types.js';
import { DuplicateFilter } from './duplicate-filter.js';
import { type EvaluateContext, evaluateTap } from './evaluate.js';

/** What the pipeline needs of the stores (ListStore and RecordStore satisfy it). */
export interface PassSource {
  lookup(idm: string): CardPasses;
}
/** A record the store could not take yet, kept in memory to be written later (issue 12). */
export interface HeldRecord {
  readonly held: true;
  readonly event_id: string;
  /** Records held in memory, this one included. */
  readonly inMemory: number;
}

export interface TapRecorder {
  openTapOn(idm: string): OpenTapOn | null;
  /** Commits the record, or holds it in memory (HeldRecord); throws when it can do neither. */
  commitTap(record: NewRecord, tapOn: Decision['tapOn']): StoredRecord | HeldRecord;
}

export interface PipelineDeps {
  readonly vehicle: { readonly id: string; readonly operator: string };
  readonly settings: RuleSettings;
  readonly clock: Clock;
  readonly passes: PassSource;
  readonly network: NetworkLookup;
  readonly records: TapRecorder;
  readonly display: DriverDisplay;
  readonly signal: PassengerSignal;
  readonly currentStop: () => CurrentStop | null;
  /** Is the list in force past its expiry? (issue 4; false for local imports). */
  readonly listStale?: () => boolean;
  /**
   * Bounds the wall clock must lie within to be trusted (rules/clock-trust.ts): the floor from the
   * applied time of the newest list, the horizon from its expiry. Called once per tap, so cheap
   * (cached by the caller). Default: no bounds, the clock is taken as it is (replay, tests).
   */
  readonly clockBounds?: () => ClockBounds;
  readonly logger: Logger;
  /** Called when a record could not be stored (disk full …): the driver gets a storage alarm. */
  readonly onRecordFailure?: (error: Error) => void;
}

export interface TapOutcome {
  readonly idm: string;
  readonly reader: ReaderRole;
  readonly verdict: Verdict;
  readonly reason: Reason;
  readonly pass_id: string | null;
  readonly fare: number | null;
  readonly excess: number | null;
  readonly screen: VerdictScreen;
  /** Was the clock trusted for this tap (rules/clock-trust.ts)? */
  readonly clock: ClockState;
  /** The committed record; null for duplicates, held records and when storing failed. */
  readonly record: StoredRecord | null;
  /** The record is held in memory, not committed (storage down). */
  readonly held: boolean;
}

export class TapPipeline {
  readonly #d: PipelineDeps;
  readonly #log: Logger;
  readonly #duplicates = new DuplicateFilter();
  readonly #ctx: EvaluateContext;

  constructor(deps: PipelineDeps) {
    this.#d = deps;
    this.#ctx = {
      operator: deps.vehicle.operator,
      settings: deps.settings,
      lookup: (idm) => deps.passes.lookup(idm),
      network: deps.network,
    };
    this.#log = deps.logger.child({ component: 'pipeline' });
  }

  /** Handles one card event. Never throws for a bad card; store failures are reported, not thrown. */
  handle(event: CardEvent): TapOutcome | null {
    if (event.type === 'foreign') {
      const screen = foreignCardScreen(event.reader);
      this.#show(screen);
      this.#log.info({ reader: event.reader, atr: event.atr.slice(0, 40) }, 'foreign_card');
      return null;
    }
    return this.tap(event);
  }

  tap(card: Pick<FelicaCard, 'idm' | 'reader'>): TapOutcome {
    const started = performance.now();
    const d = this.#d;
    const idm = card.idm.toLowerCase();
    const reader = card.reader;
    const now = d.clock.now();
    const clock = judgeClock(now, d.clockBounds?.() ?? NO_CLOCK_BOUNDS);

    const repeated = this.#duplicates.check(idm, reader, now, d.settings);
    if (repeated) {
      this.#show(repeated);
      this.#log.info(
        {
          verdict: 'duplicate',
          reason: 'duplicate_tap',
          reader,
          pass_id: null,
          idm: maskIdm(idm),
          ...(clockTrusted(clock) ? {} : { clock }),
          latency_ms: ms(started),
        },
        'tap',
      );
      return {
        idm,
        reader,
        verdict: 'duplicate',
        reason: 'duplicate_tap',
        pass_id: null,
        fare: null,
        excess: null,
        screen: repeated,
        clock,
        record: null,
        held: false,
      };
    }

    const openTapOn = d.records.openTapOn(idm);
    const stop = d.currentStop();
    const listStale = d.listStale?.() ?? false;
    const decision = evaluateTap(this.#ctx, idm, reader, now, stop, openTapOn, listStale, clock);

    const screen = verdictScreen({ ...decision, reader });
    this.#show(screen);
    this.#duplicates.remember(idm, reader, now, screen);

    const result = this.#commit(
      {
        at: now,
        idm,
        reader,
        route: stop?.route_id ?? null,
        trip: stop?.trip_id ?? null,
        stop: stop?.stop_id ?? null,
        verdict: decision.verdict,
        reason: decision.reason,
        pass_id: decision.pass_id,
        fare: decision.fare,
        excess: decision.excess,
        tap_on_event_id: reader === 'alighting' ? (openTapOn?.event_id ?? null) : null,
        clock,
      },
      decision.tapOn,
    );
    const held = result !== null && 'held' in result;
    const record = held ? null : (result as StoredRecord | null);
    if (result) {
      const fields = {
        verdict: decision.verdict,
        reason: decision.reason,
        reader,
        pass_id: decision.pass_id,
        // A held record has no seq yet: it gets the next one when the store takes it.
        ...(held ? { held: true, in_memory: (result as HeldRecord).inMemory } : { seq: record?.seq }),
        fare: decision.fare,
        excess: decision.excess,
        card: maskCard(decision.pass?.card_number),
        idm: maskIdm(idm),
        ...(clockTrusted(clock) ? {} : { clock }),
        latency_ms: ms(started),
      };
      // Held, not committed: a power cut now loses it, so the line says so, at warn.
      if (held) this.#log.warn(fields, 'tap');
      else this.#log.info(fields, 'tap');
    }
    return { idm, reader, ...pick(decision), screen, clock, record, held };
  }

  #show(screen: VerdictScreen): void {
    this.#d.display.showVerdict(screen);
    this.#d.signal.play(screen.tone);
  }

  #commit(rec: NewRecord, tapOn: Decision['tapOn']): StoredRecord | HeldRecord | null {
    try {
      return this.#d.records.commitTap(rec, tapOn);
    } catch (err) {
      // The verdict stands and was shown, but the record is lost: the store failed and nothing
      // held it (a bare RecordStore), or the memory bound was reached (issue 12). Storage alarm.
      const error = err instanceof Error ? err : new Error(String(err));
      this.#log.error({ err: error, reader: rec.reader, verdict: rec.verdict }, 'record_failed');
      this.#d.onRecordFailure?.(error);
      return null;
    }
  }
}

function pick(d: Decision) {
  return { verdict: d.verdict, reason: d.reason, pass_id: d.pass_id, fare: d.fare, excess: d.excess };
}

function ms(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
