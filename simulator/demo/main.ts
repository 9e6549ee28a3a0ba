/**
 * `npm run demo` (interim, until the full demo of issue 5): two buses' mornings replayed through
 * the real tap pipeline on the sample Matsue data, with each driver's display and the passenger
 * tones shown in the terminal, and a summary by verdict and reason. No network, nothing left
 * running, exits 0.
 */
import { resolve } from 'node:path';
import { replayScenario } from '../../device/replay/replay.js';
import { ConsoleDisplay } from '../../hardware/console/console-display.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCENARIOS = [
  ['松江市交通局 bus-101 (route 81 / レイクライン)', 'simulator/data/scenarios/morning-commute.json'],
  ['一畑バス (松江 → 宍道)', 'simulator/data/scenarios/ichibata-west.json'],
  ['払い戻し・カード変更', 'simulator/data/scenarios/changes.json'],
] as const;

if (process.argv.includes('--help')) {
  process.stdout.write(
    'usage: npm run demo\n  replays sample mornings through the tap pipeline and shows the driver displays\n',
  );
  process.exit(0);
}

const colour = process.stdout.isTTY === true;
const display = new ConsoleDisplay(process.stdout, { colour });
const counts = new Map<string, number>();
let taps = 0;
for (const [title, file] of SCENARIOS) {
  process.stdout.write(`\n=== ${title} ===\n`);
  await replayScenario(
    resolve(ROOT, file),
    (line) => {
      const out = JSON.parse(line) as { at: string; idm: string; verdict: string; reason: string };
      taps++;
      const key = `${out.verdict}/${out.reason}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      process.stdout.write(
        `  ${out.at.slice(11, 16)} card ${out.idm.slice(0, 4)}…${out.idm.slice(-2)} → ${key}\n`,
      );
    },
    {
      display,
      onStop: (stop, at) =>
        process.stdout.write(`${at.slice(11, 16)} 停留所 ${stop.stop_id} (route ${stop.route_id})\n`),
    },
  );
}
process.stdout.write(`\n=== summary: ${taps} taps ===\n`);
for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1]))
  process.stdout.write(`  ${String(n).padStart(3)}  ${key}\n`);
