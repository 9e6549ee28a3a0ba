/**
 * The scripted morning (script.ts) played on a running world: the demo clock is set before each
 * step, stops are announced, cards presented, the 10:00 export published; every verdict is
 * checked against the script. Then the outbox is drained to the depot and counted.
 */
import { join } from 'node:path';
import type { FakeClock } from '../fakes/fake-clock.js';
import type { DemoBus } from './bus.js';
import { type DemoDepot, writeChangedExport } from './depot.js';
import { at, CHANGES_AT_10, card, MORNING, type Step } from './script.js';
import { hhmm, type Names, type Terminal } from './terminal.js';
import { SAMPLE_PASSES, type World, waitUntil } from './world.js';

export interface TapResult {
  readonly bus: string;
  readonly card: string;
  readonly reader: string;
  readonly verdict: string;
  readonly reason: string;
  readonly expected: string | null;
}

/** One depot publish, announced on the terminal; resolves with the version published. */
export async function announcePublish(
  depot: DemoDepot,
  passesFile: string,
  term: Terminal,
  clock: FakeClock,
): Promise<number> {
  const summary = await depot.publish(passesFile);
  const parts = [
    summary.kind,
    summary.delta
      ? `delta: ${summary.delta.upserts} upserts, ${summary.delta.card_changes} card change(s)`
      : null,
    summary.snapshot
      ? `snapshot: ${summary.snapshot.entries} entries, ${summary.snapshot.chunks} chunk(s)`
      : null,
  ].filter(Boolean);
  term.line(
    `${hhmm(clock.now())}  ${term.bold('depot')}   published list v${summary.version} (${parts.join('; ')}), signed`,
  );
  return summary.version;
}

/** Waits until every bus has applied `version` (through MQTT, verified, whole), and says so. */
export async function waitForVersion(
  world: World,
  version: number,
  term: Terminal,
  clock: FakeClock,
): Promise<void> {
  const buses = Object.values(world.buses);
  await waitUntil(`list v${version} on every bus`, () =>
    buses.every((b) => (b.listVersion() ?? 0) >= version),
  );
  for (const b of buses) {
    b.refreshStatus();
    term.line(`${hhmm(clock.now())}  ${b.id.padEnd(7)} list v${b.listVersion()} applied (verified, whole)`);
  }
}

export async function publishAndWait(
  world: World,
  passesFile: string,
  term: Terminal,
  clock: FakeClock,
): Promise<number> {
  const version = await announcePublish(world.depot, passesFile, term, clock);
  await waitForVersion(world, version, term, clock);
  return version;
}

export async function playMorning(
  world: World,
  clock: FakeClock,
  term: Terminal,
  names: Names,
): Promise<TapResult[]> {
  const results: TapResult[] = [];
  const where = new Map<DemoBus, string>();
  for (const step of MORNING) {
    clock.set(at(step.at));
    await playStep(step);
  }
  return results;

  async function playStep(step: Step): Promise<void> {
    const time = hhmm(clock.now());
    if (step.kind === 'publish') {
      term.line();
      term.line(`${time}  ${term.bold('depot')}   ${step.note}:`);
      for (const c of CHANGES_AT_10) term.line(`                 ${c.what}`);
      const file = join(world.dir, 'depot', 'passes-10h00.csv');
      writeChangedExport(SAMPLE_PASSES, file, CHANGES_AT_10);
      await publishAndWait(world, file, term, clock);
      term.line();
      return;
    }
    const bus = world.buses[step.bus];
    if (step.kind === 'stop') {
      await bus.arrive(step.route, step.stop, step.trip);
      const label = `${names.route(step.route)} ${names.stop(step.stop)}`;
      where.set(bus, label);
      term.line(term.dim(`${time}  ${bus.id.padEnd(7)} ▸ ${label}${step.trip ? ` (${step.trip})` : ''}`));
      return;
    }
    const c = card(step.card);
    const line = await bus.tap(c.idm, step.reader);
    const got = `${line.verdict}/${line.reason}`;
    const ok = got === step.expect;
    results.push({
      bus: bus.id,
      card: c.key,
      reader: step.reader,
      verdict: line.verdict,
      reason: line.reason,
      expected: step.expect,
    });
    const role = step.reader === 'boarding' ? '乗車 tap-on ' : '降車 tap-off';
    term.line(
      `${time}  ${bus.id.padEnd(7)} ${role} ${c.key.padEnd(11)} ${step.note} → ${got}${ok ? '' : term.red(`  (script expected ${step.expect})`)}`,
    );
    bus.refreshStatus();
    term.screen(bus.o.hardware.screen(), `${bus.o.title} ${where.get(bus) ?? ''}`);
  }
}

/** Waits until every record is acknowledged by the depot (the outbox is empty on every bus). */
export async function drainOutboxes(world: World, timeoutMs = 20_000): Promise<void> {
  const buses = Object.values(world.buses);
  await waitUntil(
    'every boarding record acknowledged by the depot',
    () => buses.every((b) => b.pendingRecords() === 0),
    timeoutMs,
  );
}
