/**
 * Passes against the network in force (issue 12): a free pass whose area the network does not
 * have, or a pass naming an operator or issuer that is not one of its agencies, imports cleanly
 * and then fails every holder at every tap (`outside_area`, `operator_not_covered`). So a local
 * import refuses such a row at its line and field; a network imported later only counts and warns
 * about the passes already in force (the list came first, and refusing the network would leave
 * the bus with none). Pure: the ids come from the store.
 */
import type { Pass } from '../domain/pass.js';
import type { NetworkIds as NetworkRefs, PassIdGroup } from '../store/network-lookup.js';
import type { RowFieldError } from './sales-row.js';

export type { NetworkRefs };

/** A field of a pass that names something the network lacks (at most one error per field). */
export function offNetworkFields(
  pass: Pick<Pass, 'area' | 'operators' | 'issuer'>,
  net: NetworkRefs,
): RowFieldError[] {
  const out: RowFieldError[] = [];
  if (pass.area !== null && !net.areas.has(pass.area)) {
    out.push({
      field: 'area',
      message: `"${pass.area}" is not an area of the network in force (${known(net.areas)})`,
    });
  }
  const unknownOps = pass.operators.filter((o) => !net.agencies.has(o));
  if (unknownOps.length > 0) {
    out.push({
      field: 'operators',
      message:
        unknownOps.length === 1
          ? `"${unknownOps[0]}" is not an agency of the network in force (${known(net.agencies)})`
          : `${unknownOps.map((o) => `"${o}"`).join(', ')} are not agencies of the network in force (${known(net.agencies)})`,
    });
  }
  if (!net.agencies.has(pass.issuer)) {
    out.push({
      field: 'issuer',
      message: `"${pass.issuer}" is not an agency of the network in force (${known(net.agencies)})`,
    });
  }
  return out;
}

/** Passes already in force that name what a new network lacks, by what they name. */
export interface OffNetworkCount {
  /** Passes with at least one such field. */
  readonly passes: number;
  readonly area: number;
  readonly operators: number;
  readonly issuer: number;
  /** The ids missing, most passes first, at most 10: `area "kita" (12 passes)`. */
  readonly missing: readonly string[];
}

/** Counts what the groups of passes in force (ListStore.network.passIdGroups) name that `net` lacks. */
export function countOffNetwork(groups: Iterable<PassIdGroup>, net: NetworkRefs): OffNetworkCount {
  let passes = 0;
  let area = 0;
  let operators = 0;
  let issuer = 0;
  const missing = new Map<string, number>();
  const miss = (what: string, n: number): void => {
    missing.set(what, (missing.get(what) ?? 0) + n);
  };
  for (const g of groups) {
    const off = offNetworkFields(g, net);
    if (off.length === 0) continue;
    passes += g.passes;
    if (g.area !== null && !net.areas.has(g.area)) {
      area += g.passes;
      miss(`area "${g.area}"`, g.passes);
    }
    const ops = g.operators.filter((o) => !net.agencies.has(o));
    if (ops.length > 0) {
      operators += g.passes;
      for (const o of ops) miss(`operator "${o}"`, g.passes);
    }
    if (!net.agencies.has(g.issuer)) {
      issuer += g.passes;
      miss(`issuer "${g.issuer}"`, g.passes);
    }
  }
  const top = [...missing].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  return {
    passes,
    area,
    operators,
    issuer,
    missing: top.map(([what, n]) => `${what} (${n} ${n === 1 ? 'pass' : 'passes'})`),
  };
}

/** The ids a person can choose from, a few at most. */
function known(ids: ReadonlySet<string>): string {
  if (ids.size === 0) return 'it has none';
  const list = [...ids].sort();
  const shown = list.slice(0, 5).map((id) => `"${id}"`);
  return `it has ${shown.join(', ')}${list.length > 5 ? ` and ${list.length - 5} more` : ''}`;
}
