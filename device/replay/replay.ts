/**
 * `teiki replay SCENARIO.json` (DESIGN.md "Replay scenario"): the daemon's pipeline on the
 * scenario's clock, with in-memory stores (no state kept between runs), one JSON line per tap.
 * The scenario, its pass rows, its passes file and its network are all read and validated before
 * the first line is written, so a bad scenario writes nothing (issue 12 point 7).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Clock } from '../../hardware/ports/clock.js';
import type { DriverDisplay } from '../../hardware/ports/driver-display.js';
import type { PassengerSignal } from '../../hardware/ports/passenger-signal.js';
import type { CurrentStop } from '../../hardware/ports/stop-source.js';
import { DEFAULT_RULE_SETTINGS } from '../config/rules-schema.js';
import { importNetworkDir } from '../imports/network-import.js';
import { importPassesFile } from '../imports/passes-import.js';
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
    /** Run the events in time order instead of refusing a scenario out of order (`--sort`). */
    sort?: boolean;
  } = {},
): Promise<void> {
  const scenarioPath = resolve(file);
  let text: string;
  try {
    text = readFileSync(scenarioPath, 'utf8');
  } catch (err) {
    throw new ReplayError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const { scenario, inlinePasses, steps } = parseScenario(text, file, { sort: opts.sort ?? false });
  const base = dirname(scenarioPath);

  const list = ListStore.open(':memory:');
  const records = RecordStore.open(':memory:', scenario.vehicle.id);
  try {
    await importNetworkDir(list, resolve(base, scenario.network));
    if (inlinePasses) list.upsertPasses(inlinePasses);
    else await importPassesFile(list, resolve(base, scenario.passes as string));

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

    for (const ev of steps) {
      clock.at = ev.time;
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
        list.upsertPasses(ev.passes);
      }
    }
  } finally {
    records.close();
    list.close();
  }
}
