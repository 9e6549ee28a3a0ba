/**
 * `--real-stack`: bus-101 on the real device stacks instead of the in-process fakes. Its two
 * readers are PC/SC readers of a real pcscd with vsmartcard's vpcd driver (our PC/SC adapter over
 * nfc-pcsc), and the passengers' cards are virtual FeliCa cards speaking the vpcd protocol
 * (simulator/vpcd/); its driver display is the serial framed protocol on a socat pseudo-terminal
 * with the display-unit simulator on the far end (the screen shown is what the unit received);
 * its stop source is the announcement controller's line protocol on a second pty. pcscd and the
 * ptys are started and stopped with the helpers the system tests use (test/helpers/).
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SerialPort } from 'serialport';
import type { Clock } from '../../hardware/ports/clock.js';
import type { StopSource } from '../../hardware/ports/stop-source.js';
import { stopLineChecksum } from '../../hardware/serial/stop-line.js';
import { type AttachedUnit, attachDisplayUnit } from '../display-unit/attach.js';
import { felicaCard } from '../vpcd/virtual-card.js';
import { VirtualCardSlot } from '../vpcd/virtual-card-slot.js';
import type { BusHardware } from './hardware.js';

const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';

function onPath(bin: string, path: string, extra: readonly string[] = []): boolean {
  const dirs = [...path.split(delimiter), ...extra];
  return dirs.some((d) => d && existsSync(join(d, bin)));
}

/** Where checkRealStack looks; this machine by default (a test hands in an empty one). */
export interface RealStackProbe {
  readonly platform: string;
  readonly uid: number | undefined;
  readonly path: string;
  readonly sbin: readonly string[];
  readonly vpcdDriver: string;
}

const THIS_MACHINE: RealStackProbe = {
  platform: process.platform,
  uid: process.getuid?.(),
  path: process.env.PATH ?? '',
  sbin: ['/usr/sbin', '/sbin'],
  vpcdDriver: VPCD_DRIVER,
};

/** What --real-stack needs and this machine lacks (empty: all there). */
export function checkRealStack(probe: RealStackProbe = THIS_MACHINE): string[] {
  const missing: string[] = [];
  if (probe.platform !== 'linux') missing.push(`Linux (this is ${probe.platform})`);
  if (probe.uid !== 0) missing.push('root: pcscd creates /run/pcscd (run the demo as root)');
  if (!onPath('pcscd', probe.path, probe.sbin)) missing.push('pcscd (Debian package pcscd)');
  if (!existsSync(probe.vpcdDriver))
    missing.push(`the vpcd driver ${probe.vpcdDriver} (Debian package vsmartcard-vpcd)`);
  if (!onPath('socat', probe.path))
    missing.push('socat (Debian package socat), for the serial pseudo-terminals');
  return missing;
}

async function until(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`real stack: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function realStackHardware(clock: Clock): Promise<BusHardware> {
  // Test helpers, compiled into dist/ with the rest: the same pcscd lock the system tests take.
  const { startPcscd, VPCD_PORTS, VPCD_READERS } = await import('../../test/helpers/pcscd.js');
  const { openPtyPair } = await import('../../test/helpers/pty.js');
  const { PcscCardReader } = await import('../../hardware/pcsc/index.js');
  const { SerialDisplay, SerialStopSource } = await import('../../hardware/serial/index.js');

  const closers: Array<() => Promise<unknown> | unknown> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    // Another user of the machine's one pcscd (a test run) holds its lock: wait a while for it.
    const lockWaitMs = Number(process.env.TEIKI_DEMO_PCSCD_WAIT_MS) || 30_000;
    const pcscd = await startPcscd({ lockWaitMs });
    closers.push(() => pcscd.close());
    const displayPty = await openPtyPair();
    closers.push(() => displayPty.dispose());
    const stopsPty = await openPtyPair();
    closers.push(() => stopsPty.dispose());

    const reader = new PcscCardReader({
      readers: [
        { driver: 'pcsc', match: VPCD_READERS[0], role: 'boarding' },
        { driver: 'pcsc', match: VPCD_READERS[1], role: 'alighting' },
      ],
      clock,
    });
    const slots = {
      boarding: new VirtualCardSlot({ port: VPCD_PORTS[0] }),
      alighting: new VirtualCardSlot({ port: VPCD_PORTS[1] }),
    };
    closers.push(
      () => slots.boarding.close(),
      () => slots.alighting.close(),
    );

    const unit: AttachedUnit = await attachDisplayUnit(displayPty.b, { encoding: 'shift_jis' });
    closers.push(() => unit.close());
    const display = new SerialDisplay({
      path: displayPty.a,
      baud: 115200,
      encoding: 'shift_jis',
      ackTimeoutMs: 200,
      maxRetries: 3,
      queueLimit: 8,
      clock,
    });
    await display.open();
    closers.push(() => display.close());

    const stopSource: StopSource = new SerialStopSource({ path: stopsPty.a, baud: 9600, clock });
    const controller = new SerialPort({ path: stopsPty.b, baudRate: 9600 });
    controller.on('error', () => {});
    closers.push(() => new Promise((r) => (controller.isOpen ? controller.close(() => r(null)) : r(null))));

    const verdicts = () => unit.unit.messages.filter((m) => m.type === 'verdict').length;
    return {
      reader,
      display,
      stopSource,
      describe: `pcscd + vpcd readers "${VPCD_READERS[0]}" / "${VPCD_READERS[1]}", serial display and stop source on ptys`,
      present: async (idm, role) => {
        await until(
          `the ${role} reader`,
          () => reader.health().some((h) => h.reader === role && h.state === 'connected'),
          15_000,
        );
        const before = verdicts();
        const slot = slots[role];
        await slot.insert(felicaCard(idm));
        // Held until the beep (the verdict frame on the display wire), then taken away.
        await until('the verdict on the display unit', () => verdicts() > before, 10_000);
        await slot.remove();
      },
      arrive: async (route, stop, trip) => {
        const body = `STOP,${route},${trip ?? ''},${stop}`;
        const cs = stopLineChecksum(body).toString(16).toUpperCase().padStart(2, '0');
        await new Promise<void>((res, rej) =>
          controller.write(`$${body}*${cs}\r\n`, (e) => (e ? rej(e) : res())),
        );
        await until(`stop ${stop}`, () => stopSource.current()?.stop_id === stop, 5_000);
      },
      screen: () => unit.unit.state,
      close,
    };
  } catch (err) {
    await close();
    throw new Error(`--real-stack: ${(err as Error).message}`);
  }
}
