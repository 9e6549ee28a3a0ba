/**
 * Issue 3 end to end, on the real stacks: the virtual FeliCa card → pcscd + vpcd → nfc-pcsc
 * (our PC/SC adapter) → `teiki run` (a real process) → display frames read back and acknowledged
 * by the display unit on the far end of a socat pty pair; the stop comes from the announcement
 * controller's line protocol on a second pty pair.
 */
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { excessHeadline, REASON_JA } from '../../device/display/messages-ja.js';
import type { VerdictScreen } from '../../hardware/ports/driver-display.js';
import { stopLineChecksum } from '../../hardware/serial/stop-line.js';
import { type AttachedUnit, attachDisplayUnit } from '../../simulator/display-unit/attach.js';
import { felicaCard, foreignCard } from '../../simulator/vpcd/virtual-card.js';
import { VirtualCardSlot } from '../../simulator/vpcd/virtual-card-slot.js';
import { runTeiki, TeikiProcess } from '../helpers/cli.js';
import {
  PCSCD_HOOK_TIMEOUT_MS,
  type Pcscd,
  startPcscd,
  VPCD_PORTS,
  VPCD_READERS_CONFIG,
} from '../helpers/pcscd.js';
import { disposeAllPtys, openPtyPair, type PtyPair } from '../helpers/pty.js';
import {
  DESIGN_IDM,
  importSample,
  makeWorkdir,
  type Workdir,
  writeCurrentPasses,
} from '../helpers/workdir.js';

const EXPIRED_IDM = '0114b3a1c2d3e504';
const NO_PASS_IDM = '0114ffffffff0001';

let pcscd: Pcscd;
let w: Workdir;
let displayPty: PtyPair;
let stopsPty: PtyPair;
let stopsPort: SerialPort;
let unit: AttachedUnit;
let proc: TeikiProcess;
let boarding: VirtualCardSlot;
let alighting: VirtualCardSlot;
const screens: VerdictScreen[] = [];

function sendStop(route: string, stop: string): Promise<void> {
  const body = `STOP,${route},,${stop}`;
  const line = `$${body}*${stopLineChecksum(body).toString(16).toUpperCase().padStart(2, '0')}\r\n`;
  return new Promise((resolve, reject) => stopsPort.write(line, (err) => (err ? reject(err) : resolve())));
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}; lines:\n${proc.lines
          .slice(-12)
          .map((l) => JSON.stringify(l))
          .join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Holds a card on the reader until the beep (the next verdict screen on the display wire), as a
 * passenger does, then takes it away; returns that screen and the tap log line.
 */
async function tapAndRead(slot: VirtualCardSlot, card: ReturnType<typeof felicaCard>) {
  const screensBefore = screens.length;
  const logsBefore = proc.lines.length;
  await slot.insert(card);
  const screen = await waitFor('a verdict frame', () => screens[screensBefore]);
  const log = await waitFor(
    'a tap log line',
    () => proc.lines.slice(logsBefore).find((l) => l.msg === 'tap'),
    5000,
  );
  await slot.remove();
  return { screen, log };
}

async function recordCount(): Promise<number> {
  const r = await runTeiki(['records', 'list', '--config', w.config]);
  return r.stdout.trim() === '' ? 0 : r.stdout.trim().split('\n').length;
}

beforeAll(async () => {
  pcscd = await startPcscd();
  displayPty = await openPtyPair();
  stopsPty = await openPtyPair();
  w = makeWorkdir({
    readers: VPCD_READERS_CONFIG,
    display: { driver: 'serial', path: displayPty.a, encoding: 'shift_jis' },
    stop_source: { driver: 'serial', path: stopsPty.a },
  });
  const passes = writeCurrentPasses(w);
  await importSample(w, { passes });
  unit = await attachDisplayUnit(displayPty.b, { encoding: 'shift_jis' });
  unit.unit.onMessage((m) => {
    if (m.type === 'verdict') screens.push(m.screen);
  });
  stopsPort = new SerialPort({ path: stopsPty.b, baudRate: 9600 });
  stopsPort.on('error', () => {});
  proc = new TeikiProcess(['run', '--config', w.config]);
  await proc.waitFor((l) => l.msg === 'ready', 20_000);
  boarding = new VirtualCardSlot({ port: VPCD_PORTS[0] });
  alighting = new VirtualCardSlot({ port: VPCD_PORTS[1] });
  await waitFor('both readers connected', () =>
    proc.lines.filter((l) => l.msg === 'reader health' && l.state === 'connected').length >= 2
      ? true
      : undefined,
  );
}, PCSCD_HOOK_TIMEOUT_MS + 60_000);

afterAll(async () => {
  proc?.kill('SIGKILL');
  await boarding?.close();
  await alighting?.close();
  await unit?.close();
  if (stopsPort?.isOpen) await new Promise((r) => stopsPort.close(r));
  await disposeAllPtys();
  await pcscd?.close();
  w?.cleanup();
}, 30_000);

describe('a tap through the real stacks', () => {
  it('accepts a tap-on: frame on the display wire, record committed, log line after it', async () => {
    await sendStop('81', 'matsue-sta');
    await proc.waitFor((l) => l.msg === 'stop' && l.stop === 'matsue-sta');
    const { screen, log } = await tapAndRead(boarding, felicaCard(DESIGN_IDM));
    expect(screen).toMatchObject({ verdict: 'accept', reason: 'ok', kind: '通勤定期', tone: 'accept' });
    expect(log).toMatchObject({ verdict: 'accept', reader: 'boarding', pass_id: 'MC-NOW' });
    expect(await recordCount()).toBe(1);
    expect(unit.unit.messages.some((m) => m.type === 'signal')).toBe(true);
  });

  it('repeats the screen for a duplicate tap and records nothing', async () => {
    const { screen, log } = await tapAndRead(boarding, felicaCard(DESIGN_IDM));
    expect(log).toMatchObject({ verdict: 'duplicate', reason: 'duplicate_tap' });
    expect(screen).toMatchObject({ verdict: 'accept', reason: 'ok' });
    expect(await recordCount()).toBe(1);
  });

  it('charges the excess at tap-off three zones away', async () => {
    await sendStop('81', 'kamihigashi-kawatsu');
    await proc.waitFor((l) => l.msg === 'stop' && l.stop === 'kamihigashi-kawatsu');
    const { screen, log } = await tapAndRead(alighting, felicaCard(DESIGN_IDM));
    expect(log).toMatchObject({
      verdict: 'excess',
      reason: 'excess_fare',
      fare: 290,
      excess: 50,
      reader: 'alighting',
    });
    expect(screen).toMatchObject({ verdict: 'excess', excess: 50, fare: 290 });
    expect(screen.headline).toBe(excessHeadline(50));
  });

  it('rejects an expired pass and a card with no web pass', async () => {
    await sendStop('81', 'matsue-sta');
    const expired = await tapAndRead(boarding, felicaCard(EXPIRED_IDM));
    expect(expired.screen).toMatchObject({ verdict: 'reject', reason: 'expired', tone: 'reject' });
    const none = await tapAndRead(boarding, felicaCard(NO_PASS_IDM));
    expect(none.screen).toMatchObject({ verdict: 'reject', reason: 'no_pass' });
  });

  it('shows "not an ICOCA" for a non-FeliCa card and records nothing', async () => {
    const before = await recordCount();
    const screensBefore = screens.length;
    await boarding.insert(foreignCard());
    const screen = await waitFor('a verdict frame', () => screens[screensBefore]);
    await boarding.remove();
    expect(screen).toMatchObject({ reason: 'not_icoca', headline: REASON_JA.not_icoca });
    expect(await recordCount()).toBe(before);
  });

  it('ignores a card pulled away mid-read: no verdict, no record, and the next tap works', async () => {
    const before = await recordCount();
    const screensBefore = screens.length;
    await boarding.insert(felicaCard('0114b3a1c2d3e599', { kind: 'pull' }));
    await new Promise((r) => setTimeout(r, 1500));
    await boarding.remove();
    expect(screens.length).toBe(screensBefore);
    expect(await recordCount()).toBe(before);
    const next = await tapAndRead(boarding, felicaCard(NO_PASS_IDM));
    expect(next.log).toMatchObject({ reason: 'no_pass' });
  });

  it('keeps working after pcscd is restarted mid-run', async () => {
    await pcscd.restart();
    // Usable again within 5 s of pcscd coming back (issue 3).
    const back = Date.now();
    await waitFor(
      'readers connected again',
      () =>
        proc.lines.filter(
          (l) =>
            l.msg === 'reader health' &&
            l.state === 'connected' &&
            (l.time as string) > new Date(back - 1000).toISOString(),
        ).length >= 1
          ? true
          : undefined,
      5000,
    );
    // Another card: the previous test's card would be a duplicate within 3 s.
    const { log } = await tapAndRead(boarding, felicaCard('0114ffffffff0003'));
    expect(log).toMatchObject({ reason: 'no_pass', reader: 'boarding' });
    expect(proc.child.exitCode).toBeNull();
  });

  it('keeps working after the virtual card connection drops and comes back', async () => {
    const screensBefore = screens.length;
    await boarding.insert(felicaCard('0114ffffffff0002'));
    await waitFor('the held card decided', () => screens[screensBefore]);
    await boarding.dropConnection(); // the card reconnects by itself after its gap
    await new Promise((r) => setTimeout(r, 1500));
    await boarding.remove();
    const { log } = await tapAndRead(boarding, felicaCard(EXPIRED_IDM));
    expect(log).toMatchObject({ reason: 'expired', reader: 'boarding' });
    expect(proc.child.exitCode).toBeNull();
  });

  it('shuts down cleanly on SIGTERM', async () => {
    proc.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
  });
});
