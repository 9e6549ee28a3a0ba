/**
 * `teiki replay SCENARIO.json` (DESIGN.md "Replay scenario"): the daemon's pipeline on the
 * scenario's clock, with in-memory stores (no state kept between runs), one JSON line per tap.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Clock } from '../../hardware/ports/clock.js';
import type { DriverDisplay } from '../../hardware/ports/driver-display.js';
import type { PassengerSignal } from '../../hardware/ports/passenger-signal.js';
import type { CurrentStop } from '../../hardware/ports/stop-source.js';
import { DEFAULT_RULE_SETTINGS } from '../config/rules-schema.js';
import type { Pass } from '../domain/pass.js';
import { importNetworkDir } from '../imports/network-import.js';
import { importPassesFile } from '../imports/passes-import.js';
import { validateSalesRow } from '../imports/sales-row.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { TapPipeline } from '../pipeline/tap-pipeline.js';
import { ListStore } from '../store/list-store.js';
import { RecordStore } from '../store/record-store.js';
import { NullDisplay } from './null-display.js';
import { parseScenario, ReplayError } from './scenario.js';

export { ReplayError } from './scenario.js';

/** Output line, keys in the contract's order. */
export interface ReplayLine {
  at: string;
  idm: string;
  reader: 'boarding' | 'alighting';
  verdict: string;
  reason: string;
  pass_id: string | null;
  fare: number | null;
  excess: number | null;
}

class ScenarioClock implements Clock {
  at = 0;
  now(): number {
    return this.at;
  }
}

export async function replayScenario(
  file: string,
  write: (line: string) => void,
  opts: {
    logger?: Logger;
    /** Where the driver's screens and tones go (the demo shows them); discarded by default. */
    display?: DriverDisplay & PassengerSignal;
    /** Called at each stop event (the demo prints the stop). */
    onStop?: (stop: CurrentStop, at: string) => void;
  } = {},
): Promise<void> {
  const scenarioPath = resolve(file);
  let text: string;
  try {
    text = readFileSync(scenarioPath, 'utf8');
  } catch (err) {
    throw new ReplayError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const { scenario, events } = parseScenario(text, file);
  const base = dirname(scenarioPath);

  const list = ListStore.open(':memory:');
  const records = RecordStore.open(':memory:', scenario.vehicle.id);
  try {
    await importNetworkDir(list, resolve(base, scenario.network));
    if (typeof scenario.passes === 'string') {
      await importPassesFile(list, resolve(base, scenario.passes));
    } else {
      list.upsertPasses(rowsOrThrow(scenario.passes, `${file}: passes`));
    }

    const clock = new ScenarioClock();
    let stop: CurrentStop | null = null;
    const display = opts.display ?? new NullDisplay();
    const pipeline = new TapPipeline({
      vehicle: scenario.vehicle,
      settings: { ...DEFAULT_RULE_SETTINGS, ...scenario.settings },
      clock,
      passes: list,
      network: list.network,
      records,
      display,
      signal: display,
      currentStop: () => stop,
      logger: opts.logger ?? silentLogger(),
    });

    events.forEach((ev, i) => {
      clock.at = Date.parse(ev.at);
      if ('stop' in ev) {
        stop = { route_id: ev.stop.route, stop_id: ev.stop.stop, trip_id: ev.stop.trip, at: clock.at };
        opts.onStop?.(stop, ev.at);
      } else if ('tap' in ev) {
        const out = pipeline.tap({ idm: ev.tap.idm.toLowerCase(), reader: ev.tap.reader });
        const line: ReplayLine = {
          at: ev.at,
          idm: out.idm,
          reader: out.reader,
          verdict: out.verdict,
          reason: out.reason,
          pass_id: out.pass_id,
          fare: out.fare,
          excess: out.excess,
        };
        write(JSON.stringify(line));
      } else {
        list.upsertPasses(rowsOrThrow(ev.passes, `${file}: events[${i}].passes`));
      }
    });
  } finally {
    records.close();
    list.close();
  }
}

/** Validates inline rows whole before any is applied (never half-applied). */
function rowsOrThrow(rows: readonly Record<string, unknown>[], where: string): Pass[] {
  const out: Pass[] = [];
  const problems: string[] = [];
  rows.forEach((raw, i) => {
    const r = validateSalesRow(raw, 'json');
    if (r.ok) out.push(r.pass);
    else for (const p of r.errors) problems.push(`${where}[${i}].${p.field}: ${p.message}`);
  });
  if (problems.length) throw new ReplayError(problems.slice(0, 20).join('\n'));
  const seen = new Set<string>();
  for (const [i, p] of out.entries()) {
    if (seen.has(p.pass_id))
      throw new ReplayError(`${where}[${i}].pass_id: duplicate pass_id "${p.pass_id}"`);
    seen.add(p.pass_id);
  }
  return out;
}
