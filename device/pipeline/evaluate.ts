/**
 * Lookup + facts + rules for one card: the decision without side effects. Shared by the tap
 * pipeline and `teiki check` (which must record nothing).
 */
import type { CurrentStop } from '../../hardware/ports/stop-source.js';
import type { RuleSettings } from '../config/rules-schema.js';
import { decide } from '../rules/index.js';
import type { ClockState, Decision, OpenTapOn, ReaderRole } from '../rules/types.js';
import type { CardPasses, NetworkLookup } from '../store/types.js';
import { rideFacts } from './ride-facts.js';

export interface EvaluateContext {
  readonly operator: string;
  readonly settings: RuleSettings;
  readonly lookup: (idm: string) => CardPasses;
  readonly network: NetworkLookup;
}

export function evaluateTap(
  ctx: EvaluateContext,
  idm: string,
  reader: ReaderRole,
  now: number,
  stop: CurrentStop | null,
  openTapOn: OpenTapOn | null,
  listStale: boolean,
  clock: ClockState = 'unchecked',
): Decision {
  const { passes, changes } = ctx.lookup(idm);
  const areas = passes.flatMap((p) => (p.area ? [p.area] : []));
  return decide({
    reader,
    now,
    operator: ctx.operator,
    passes,
    changes,
    openTapOn,
    ride: rideFacts(ctx.network, reader, stop, openTapOn, areas),
    settings: ctx.settings,
    listStale,
    clock,
  });
}
