/** What `teiki passes import` and `teiki network import` print, and their option values. */
import type { NetworkImportResult } from '../../imports/network-import.js';
import type { OffNetworkCount } from '../../imports/pass-network-check.js';
import type { PassImportResult } from '../../imports/passes-import.js';
import type { ListInfo } from '../../store/types.js';
import { CliError } from '../errors.js';
import { plural } from '../plural.js';

/** The JSON summary of a pass import (snake_case like every teiki JSON output). */
export function passesSummary(r: PassImportResult, info: ListInfo): Record<string, unknown> {
  return {
    file: r.file,
    format: r.format,
    encoding: r.encoding,
    total: r.total,
    added: r.added,
    updated: r.updated,
    removed: r.removed,
    unchanged: r.unchanged,
    card_changes: r.cardChanges,
    by_status: r.byStatus,
    version: r.version,
    network_checked: r.networkChecked,
    warnings: r.warnings,
    list: {
      version: info.version,
      count: info.count,
      active: info.active,
      card_changes: info.changes,
      applied_at: info.appliedAt,
      expires_at: info.expiresAt,
      source: info.source,
    },
  };
}

export function networkSummary(r: NetworkImportResult): Record<string, unknown> {
  const off = r.passesOffNetwork;
  return {
    dir: r.dir,
    version: r.version,
    feed_version: r.feedVersion,
    agencies: r.agencies,
    routes: r.routes,
    stops: r.stops,
    trips: r.trips,
    stop_times: r.stopTimes,
    patterns: r.patterns,
    fare_rules: r.fareRules,
    fares: r.fares,
    fare_model: r.fareModel,
    areas: r.areas,
    stop_areas: r.stopAreas,
    passes_off_network: {
      passes: off.passes,
      area: off.area,
      operators: off.operators,
      issuer: off.issuer,
      missing: off.missing,
    },
  };
}

/** Passes in force that name what the new network lacks: a warning, never a refusal. */
export function warnOffNetwork(off: OffNetworkCount): void {
  if (off.passes === 0) return;
  process.stderr.write(
    `teiki: warning: ${plural(off.passes, 'pass', 'passes')} in force ${off.passes === 1 ? 'names' : 'name'} ` +
      `what this network lacks (${off.missing.join(', ')}): ` +
      'their holders will be refused until the network or the pass list is fixed\n',
  );
}

/** One line per finished stage with its counts (`teiki: network: 20 stops … read`), on a terminal too. */
export function stageLine(what: string): { line: (text: string) => void } {
  return { line: (text) => process.stderr.write(`teiki: ${what}: ${text}\n`) };
}

/** `--max-bytes`: whole bytes, or with K, M, G (KiB, MiB, GiB; `2G`, `512MiB`). */
export function parseMaxBytes(v: string): number {
  const m = /^\s*([0-9]+)\s*(?:([KMG])(?:i?B)?|B)?\s*$/i.exec(v);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const;
  const n = m ? Number(m[1]) * unit[(m[2]?.toUpperCase() ?? '') as keyof typeof unit] : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new CliError(`--max-bytes must be a size in bytes, or with K, M or G (e.g. 2G), not "${v}"`);
  }
  return n;
}

/** `--max-drop`: a share between 0 and 1. */
export function parseMaxDrop(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new CliError(`--max-drop must be a share between 0 and 1 (e.g. 0.5), not "${v}"`);
  }
  return n;
}
