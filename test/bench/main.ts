/**
 * `npm run bench`: measurements as one JSON document on stdout and in bench-results.json.
 * `--quick` runs a small list (CI smoke run, no thresholds). Progress goes to stderr.
 * Issue 6 adds the real-stack, snapshot, upload and daemon measurements beside these.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchDecision } from './decision.js';
import { listFixture } from './list-fixture.js';
import { benchTapToDisplay } from './tap-to-display.js';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write(
    'usage: npm run bench [-- --quick] [-- --passes N]\n  writes JSON to stdout and bench-results.json\n',
  );
  process.exit(0);
}
const quick = args.includes('--quick');
const passesArg = args.indexOf('--passes');
const passes = passesArg >= 0 ? Number(args[passesArg + 1]) : quick ? 20_000 : 1_000_000;
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

const db = await listFixture(passes, log);
log('decision');
const decision = benchDecision(db, passes, quick ? 20_000 : 200_000);
log('tap to display (pcscd + vpcd + pty)');
const tap = await benchTapToDisplay(db, passes, quick ? 10 : 100, log);

const result = {
  date: new Date().toISOString(),
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? null,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  passes,
  quick,
  ...decision,
  ...tap,
};
const json = JSON.stringify(result, null, 2);
writeFileSync('bench-results.json', `${json}\n`);
process.stdout.write(`${json}\n`);
