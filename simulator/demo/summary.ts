/** The demo's summary: taps, verdicts by reason, records recorded / uploaded / acknowledged. */

import { plural } from '../../device/cli/plural.js';
import type { TapResult } from './scripted.js';
import type { Terminal } from './terminal.js';
import type { World } from './world.js';

export interface DemoSummary {
  taps: number;
  /** Taps that made a record (all but duplicates). */
  recorded: number;
  /** `verdict/reason` → taps. */
  by_reason: Record<string, number>;
  buses: Record<string, { taps: number; recorded: number; list_version: number | null }>;
  records: {
    recorded: number;
    /** Records the depot received and stored (its collector). */
    uploaded: number;
    /** Records the buses hold as acknowledged by the depot (deleted from their outbox later). */
    acknowledged: number;
    depot_batches: number;
    depot_duplicates: number;
  };
  /** Taps whose verdict differed from the script. */
  mismatches: Array<{ bus: string; card: string; expected: string; got: string }>;
  /** Warnings and errors the daemons or the depot logged. */
  problems: number;
  /** The first few of them, `source level: message`. */
  problem_messages: string[];
  clean_shutdown: boolean;
  seconds: number;
}

export function buildSummary(world: World, results: readonly TapResult[], startedAt: number): DemoSummary {
  const by_reason: Record<string, number> = {};
  for (const r of results) {
    const k = `${r.verdict}/${r.reason}`;
    by_reason[k] = (by_reason[k] ?? 0) + 1;
  }
  const buses: DemoSummary['buses'] = {};
  let recorded = 0;
  let acknowledged = 0;
  for (const b of Object.values(world.buses)) {
    const mine = b.taps;
    const rec = mine.filter((t) => t.verdict !== 'duplicate').length;
    recorded += rec;
    acknowledged += rec - b.pendingRecords();
    buses[b.id] = { taps: mine.length, recorded: rec, list_version: b.listVersion() };
  }
  const depot = world.depot.collected();
  return {
    taps: results.length,
    recorded,
    by_reason: Object.fromEntries(
      Object.entries(by_reason).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
    ),
    buses,
    records: {
      recorded,
      uploaded: depot.records_stored,
      acknowledged,
      depot_batches: depot.batches,
      depot_duplicates: depot.duplicates,
    },
    mismatches: results
      .filter((r) => r.expected !== null && r.expected !== `${r.verdict}/${r.reason}`)
      .map((r) => ({
        bus: r.bus,
        card: r.card,
        expected: r.expected ?? '',
        got: `${r.verdict}/${r.reason}`,
      })),
    problems: world.problems.length,
    problem_messages: world.problems
      .slice(0, 10)
      .map(
        (p) =>
          `${p.source} ${p.line.level}: ${p.line.msg}${p.line.err ? ` (${JSON.stringify(p.line.err)})` : ''}`,
      ),
    clean_shutdown: false,
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
}

export function printSummary(term: Terminal, s: DemoSummary): void {
  term.line();
  term.line(
    term.bold(
      `summary: ${plural(s.taps, 'tap')}, ${s.recorded} recorded (duplicates are shown, not recorded)`,
    ),
  );
  for (const [k, n] of Object.entries(s.by_reason)) term.line(`  ${String(n).padStart(3)}  ${k}`);
  for (const [id, b] of Object.entries(s.buses))
    term.line(
      `  ${id.padEnd(8)} ${plural(b.taps, 'tap')}, ${plural(b.recorded, 'record')}, list v${b.list_version}`,
    );
  const r = s.records;
  term.line(
    `  records: ${r.recorded} recorded, ${r.uploaded} uploaded to the depot, ${r.acknowledged} acknowledged (${plural(r.depot_batches, 'batch')})`,
  );
  if (s.mismatches.length > 0) {
    term.line(term.red(`  ${plural(s.mismatches.length, 'verdict')} differed from the script:`));
    for (const m of s.mismatches)
      term.line(term.red(`    ${m.bus} ${m.card}: expected ${m.expected}, got ${m.got}`));
  }
  term.line(
    `  ${plural(s.problems, 'warning')} logged; shutdown ${s.clean_shutdown ? 'clean' : 'NOT clean'}; broker, daemons and temp files gone; ${s.seconds} s`,
  );
}
