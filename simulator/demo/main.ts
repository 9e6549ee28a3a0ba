/**
 * `npm run demo`: the whole system on embedded defaults, on one machine, in under a minute.
 *
 * An aedes broker in process (loopback, a free port), the depot publishing the sample Matsue pass
 * list with a fresh key pair and collecting records, and two buses (松江市交通局 bus-101 on route
 * 81, 一畑バス ib-205 on the 宍道線) each running the real daemon with the real sync, on simulated
 * readers, display and stop source. A scripted morning (script.ts) taps the sample cards; every
 * driver screen is shown; a summary ends the run; everything is torn down. See README "The demo".
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FakeClock } from '../fakes/fake-clock.js';
import { fakeHardware } from './hardware.js';
import { runInteractive } from './interactive.js';
import { checkRealStack, realStackHardware } from './real-stack.js';
import { at, DEMO_DAY } from './script.js';
import { announcePublish, drainOutboxes, playMorning, type TapResult, waitForVersion } from './scripted.js';
import { buildSummary, printSummary } from './summary.js';
import { loadNames, Terminal } from './terminal.js';
import { NETWORK_DIR, SAMPLE_PASSES, WorldBuilder } from './world.js';

const HELP = `usage: npm run demo -- [options]     (or: node dist/simulator/demo/main.js [options])

Brings up an embedded MQTT broker (loopback only), the depot and two buses running the real
validator daemon, plays a scripted morning of taps, prints each driver's display and a summary,
then stops everything and exits 0.

options:
  --interactive   tap the sample cards yourself (a numbered menu; keys for boarding/alighting,
                  next stop, the depot's 10:00 changes, q to quit)
  --real-stack    bus-101's readers through pcscd + vpcd (virtual FeliCa cards), its display and
                  stop source on socat pseudo-terminals; needs root, pcscd, vsmartcard-vpcd, socat
  --json          stdout is one JSON document: the summary (instead of the table), or
                  {"error": …} when the demo failed; everything else, the driver's screens
                  included, goes to stderr
  --verbose       show the daemons' and depot's warnings as they happen
  --no-colour     plain text even on a terminal (NO_COLOR is honoured too)
  -h, --help      this text

exit codes: 0 ok; 1 a verdict differed from the script or the demo failed; 2 bad usage;
3 --real-stack without what it needs (the message says what is missing)
`;

interface Options {
  interactive: boolean;
  realStack: boolean;
  json: boolean;
  verbose: boolean;
  colour: boolean;
}

function parseOptions(argv: string[]): Options {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        interactive: { type: 'boolean' },
        'real-stack': { type: 'boolean' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        'no-colour': { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n(try --help)\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const plain = values['no-colour'] === true || values['no-color'] === true || Boolean(process.env.NO_COLOR);
  return {
    interactive: values.interactive === true,
    realStack: values['real-stack'] === true,
    json: values.json === true,
    verbose: values.verbose === true,
    // Colour follows the stream the screens go to: stderr with --json.
    colour: (values.json === true ? process.stderr : process.stdout).isTTY === true && !plain,
  };
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const started = Date.now();
  if (o.realStack) {
    const missing = checkRealStack();
    if (missing.length > 0) {
      process.stderr.write(
        `demo: --real-stack needs what is missing here:\n${missing.map((m) => `  - ${m}\n`).join('')}` +
          'Install it (Debian: apt-get install pcscd vsmartcard-vpcd socat; run as root), or run the demo without --real-stack.\n',
      );
      return 3;
    }
  }
  // With --json stdout carries exactly one JSON document: the screens and the story go to stderr.
  const term = new Terminal({
    colour: o.colour,
    write: o.json ? (t) => process.stderr.write(t) : (t) => process.stdout.write(t),
  });
  const names = loadNames(NETWORK_DIR);
  const clock = new FakeClock(at('06:30:00'));
  const builder = new WorldBuilder({
    clock,
    hardware: {
      city: o.realStack ? realStackHardware : fakeHardware,
      ichibata: fakeHardware,
    },
    onProblem: o.verbose
      ? (source, line) =>
          process.stderr.write(`[${source}] ${line.level}: ${line.msg} ${JSON.stringify(line.err ?? '')}\n`)
      : undefined,
  });

  // Ctrl-C: the same teardown (daemons' shutdown path, broker, temp dir), then exit 130.
  process.once('SIGINT', () => {
    process.stderr.write('\ndemo: interrupted; stopping the buses, the depot and the broker\n');
    void builder.teardown().finally(() => process.exit(130));
  });
  // Last resort if something throws past the teardown: no temp directory is left behind.
  process.once('exit', () => rmSync(builder.dir, { recursive: true, force: true }));

  let results: TapResult[] = [];
  let failure: Error | null = null;
  let summary: ReturnType<typeof buildSummary> | null = null;
  try {
    term.line(
      term.bold(`teiki-validator demo: ${DEMO_DAY} (Wed), Matsue; one depot, two buses, an embedded broker`),
    );
    await builder.startBrokerAndDepot();
    const { broker, depot } = builder;
    if (!broker || !depot) throw new Error('broker or depot did not start');
    term.line(`        broker  ${broker.url} (aedes in process, loopback only)`);
    term.line(`        depot   Ed25519 key ${depot.keyId} generated; record collector subscribed`);
    const v1 = await announcePublish(depot, SAMPLE_PASSES, term, clock);
    clock.set(at('06:40:00'));
    await builder.startBuses();
    const world = builder.world();
    for (const b of Object.values(world.buses)) {
      term.line(
        `        ${b.id.padEnd(7)} ${b.o.operator}: the real daemon and sync; ${b.o.hardware.describe}`,
      );
    }
    await waitForVersion(world, v1, term, clock);
    term.line();
    results = o.interactive
      ? await runInteractive(world, clock, term, names)
      : await playMorning(world, clock, term, names);
    await drainOutboxes(world);
    summary = buildSummary(world, results, started);
  } catch (err) {
    failure = err as Error;
  } finally {
    const clean = await builder.teardown();
    if (summary) summary.clean_shutdown = clean;
  }
  if (failure || !summary) {
    const message = failure?.message ?? 'no summary';
    process.stderr.write(`demo: failed: ${message}\n`);
    // A script reading --json still gets its one document.
    if (o.json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    return 1;
  }
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else printSummary(term, summary);
  return summary.mismatches.length === 0 ? 0 : 1;
}

const code = await main();
// Everything was closed; the explicit exit only guards against a stray handle of a native module.
process.exitCode = code;
setTimeout(() => process.exit(code), 2000).unref();
