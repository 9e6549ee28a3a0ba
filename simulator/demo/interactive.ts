/**
 * `npm run demo -- --interactive`: a person taps the sample cards by key on the same world (both
 * buses, the depot, the broker). One command per line, so it works from a terminal or a pipe:
 * a card's number taps it on the current reader; `b`/`a` choose the boarding or alighting
 * reader, `n` moves the bus to its next stop, `t` switches bus, `c` publishes the depot's 10:00
 * changes, `m` shows the menu again, `q` (or end of input) quits. The demo clock moves 10 s per
 * tap and 3 min per stop.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FakeClock } from '../fakes/fake-clock.js';
import type { DemoBus } from './bus.js';
import { writeChangedExport } from './depot.js';
import { at, type BusKey, CARDS, CHANGES_AT_10 } from './script.js';
import { publishAndWait, type TapResult } from './scripted.js';
import { hhmm, type Names, type Terminal } from './terminal.js';
import { SAMPLE_PASSES, type World } from './world.js';

const TRIPS: Record<BusKey, { route: string; trip: string; stops: readonly string[] }> = {
  city: {
    route: '81',
    trip: '81-out-0730',
    stops: [
      'matsue-sta',
      'ohashi-kitazume',
      'kencho-mae',
      'kitatamachi',
      'shimadai-mae',
      'kamihigashi-kawatsu',
    ],
  },
  ichibata: {
    route: 'ib-shinji',
    trip: 'ib-shinji-out-0700',
    stops: ['matsue-sta', 'nishitsuda', 'nogi', 'tamatsukuri-iriguchi', 'kimachi', 'shinji-sta'],
  },
};

export async function runInteractive(
  world: World,
  clock: FakeClock,
  term: Terminal,
  names: Names,
): Promise<TapResult[]> {
  const results: TapResult[] = [];
  const position: Record<BusKey, number> = { city: 0, ichibata: 0 };
  let current: BusKey = 'city';
  let reader: 'boarding' | 'alighting' = 'boarding';
  let published = false;
  clock.set(at('07:30:00'));

  const stopLabel = (key: BusKey) => {
    const t = TRIPS[key];
    return `${names.route(t.route)} ${names.stop(t.stops[position[key]] ?? '')}`;
  };
  const arrive = async (key: BusKey) => {
    const t = TRIPS[key];
    const bus = world.buses[key];
    await bus.arrive(t.route, t.stops[position[key]] ?? '', t.trip);
    term.line(term.dim(`${hhmm(clock.now())}  ${bus.id.padEnd(7)} ▸ ${stopLabel(key)}`));
  };
  const menu = () => {
    term.line(term.bold('cards:'));
    for (const [i, c] of CARDS.entries()) {
      term.line(`  ${String(i + 1).padStart(2)}  ${c.key.padEnd(11)} ${c.label}`);
    }
    term.line(
      `keys:  number = tap that card   b / a = boarding / alighting reader   n = next stop   t = other bus`,
    );
    term.line(
      `       c = the depot's 10:00 changes (refund of MC-0002, new card for MC-0009)   m = menu   q = quit`,
    );
  };
  const prompt = () =>
    `[${hhmm(clock.now())} ${world.buses[current].id} ${stopLabel(current)} ${reader === 'boarding' ? '乗車' : '降車'}] > `;

  await arrive('city');
  await arrive('ichibata');
  menu();
  const rl = createInterface({ input: process.stdin, terminal: false });
  const ask = () => {
    if (process.stdin.isTTY) term.write(prompt());
  };
  ask();
  for await (const raw of rl) {
    const cmd = raw.trim().toLowerCase();
    if (cmd === 'q' || cmd === 'quit') break;
    try {
      if (cmd === '') {
        // nothing
      } else if (cmd === 'b' || cmd === 'a') {
        reader = cmd === 'b' ? 'boarding' : 'alighting';
        term.line(`reader: ${reader}`);
      } else if (cmd === 't') {
        current = current === 'city' ? 'ichibata' : 'city';
        term.line(`now on ${world.buses[current].o.title}, at ${stopLabel(current)}`);
      } else if (cmd === 'n') {
        const stops = TRIPS[current].stops;
        position[current] = (position[current] + 1) % stops.length;
        clock.advance(3 * 60_000);
        await arrive(current);
      } else if (cmd === 'm') {
        menu();
      } else if (cmd === 'c') {
        if (published) term.line('the 10:00 changes are published already');
        else {
          const file = join(world.dir, 'depot', 'passes-changes.csv');
          writeChangedExport(SAMPLE_PASSES, file, CHANGES_AT_10);
          await publishAndWait(world, file, term, clock);
          published = true;
        }
      } else if (/^\d+$/.test(cmd)) {
        const c = CARDS[Number(cmd) - 1];
        if (!c) term.line(`no card ${cmd} (1-${CARDS.length}; m shows the menu)`);
        else {
          clock.advance(10_000);
          results.push(await tap(world.buses[current], c.key, c.idm));
        }
      } else term.line(`unknown key ${JSON.stringify(cmd)} (m shows the menu)`);
    } catch (err) {
      term.line(term.red(`error: ${(err as Error).message}`));
    }
    ask();
  }
  rl.close();
  return results;

  async function tap(bus: DemoBus, key: string, idm: string): Promise<TapResult> {
    const line = await bus.tap(idm, reader);
    term.line(
      `${hhmm(clock.now())}  ${bus.id.padEnd(7)} ${reader === 'boarding' ? '乗車 tap-on ' : '降車 tap-off'} ${key.padEnd(11)} → ${line.verdict}/${line.reason}`,
    );
    bus.refreshStatus();
    const busKey: BusKey = bus === world.buses.city ? 'city' : 'ichibata';
    term.screen(bus.o.hardware.screen(), `${bus.o.title} ${stopLabel(busKey)}`);
    return { bus: bus.id, card: key, reader, verdict: line.verdict, reason: line.reason, expected: null };
  }
}
