/**
 * The composition root of `teiki run`: the one file of device/ that constructs real adapters
 * (hardware/) and the bus's sync (sync/bus/) from the config. Everything else in device/ sees port
 * types and the SyncLink interface only (DESIGN.md layout).
 */
import { existsSync } from 'node:fs';
import { ConsoleDisplay } from '../../hardware/console/console-display.js';
import { LineConsole } from '../../hardware/console/line-console.js';
import { MergedCardReader } from '../../hardware/merged-reader.js';
import type { CardReader } from '../../hardware/ports/card-reader.js';
import type { Clock } from '../../hardware/ports/clock.js';
import type { DriverDisplay } from '../../hardware/ports/driver-display.js';
import type { PassengerSignal } from '../../hardware/ports/passenger-signal.js';
import type { StopSource } from '../../hardware/ports/stop-source.js';
import { systemClock } from '../../hardware/system-clock.js';
import type { Config } from '../config/schema.js';
import type { DaemonPorts } from '../daemon/daemon.js';
import type { SyncFactory } from '../daemon/sync-link.js';
import { screenText } from '../display/screen-lines.js';
import type { Logger } from '../log/logger.js';
import { CliError, EXIT } from './errors.js';

function requireDevice(key: string, path: string | undefined): string {
  if (!path || !existsSync(path)) {
    throw new CliError(
      `${key}: device ${path ?? '(none)'} does not exist (is it plugged in? see systemd/README.md for udev names)`,
      EXIT.deviceMissing,
    );
  }
  return path;
}

/**
 * The PC/SC adapter, with nfc-pcsc loaded now: it is an optional dependency (issue 11), and a
 * machine where it did not build is missing a device, told in one line what to install.
 */
async function createPcscReader(
  readers: Config['readers'],
  clock: Clock,
  logger: Logger,
): Promise<CardReader> {
  const { loadNfcPcsc, PcscCardReader, PcscUnavailableError } = await import('../../hardware/pcsc/index.js');
  let createNfc: Awaited<ReturnType<typeof loadNfcPcsc>>;
  try {
    createNfc = await loadNfcPcsc();
  } catch (err) {
    if (err instanceof PcscUnavailableError) throw new CliError(err.message, EXIT.deviceMissing);
    throw err;
  }
  return new PcscCardReader({ readers, clock, createNfc, logger: logger.child({ component: 'pcsc' }) });
}

export async function createPorts(
  config: Config,
  logger: Logger,
  opts: { softwareVersion?: string } = {},
): Promise<DaemonPorts> {
  const clock = systemClock;
  const shutdownSteps: Array<{ name: string; run: () => Promise<void> | void }> = [];

  // PC/SC first, before the console takes stdin: a machine without the binding stops here (exit 3).
  const pcscReaders = config.readers.filter((r) => r.driver === 'pcsc');
  const pcscReader = pcscReaders.length ? await createPcscReader(pcscReaders, clock, logger) : null;

  const simRoles = config.readers.filter((r) => r.driver === 'sim').map((r) => r.role);
  const needsConsole = simRoles.length > 0 || config.stop_source?.driver === 'sim';
  const lineConsole = needsConsole ? new LineConsole(process.stdin, clock, simRoles) : null;

  const readers: CardReader[] = [];
  if (lineConsole && simRoles.length) readers.push(lineConsole.reader);
  if (pcscReader) readers.push(pcscReader);
  const reader = readers.length === 1 && readers[0] ? readers[0] : new MergedCardReader(readers);

  let display: DriverDisplay & PassengerSignal;
  if (config.display.driver === 'serial') {
    const path = requireDevice('display.path', config.display.path);
    const { SerialDisplay } = await import('../../hardware/serial/index.js');
    const serial = new SerialDisplay({
      path,
      baud: config.display.baud,
      encoding: config.display.encoding,
      ackTimeoutMs: config.display.ack_timeout_ms,
      maxRetries: config.display.max_retries,
      queueLimit: config.display.queue_limit,
      clock,
      logger: logger.child({ component: 'display' }),
    });
    await serial.open();
    display = serial;
  } else {
    display = new ConsoleDisplay(process.stderr, { text: screenText, colour: process.stderr.isTTY === true });
  }

  let stopSource: StopSource | null = null;
  if (config.stop_source?.driver === 'sim' && lineConsole) stopSource = lineConsole.stops;
  else if (config.stop_source?.driver === 'serial') {
    const path = requireDevice('stop_source.path', config.stop_source.path);
    const { SerialStopSource } = await import('../../hardware/serial/index.js');
    stopSource = new SerialStopSource({
      path,
      baud: config.stop_source.baud,
      clock,
      logger: logger.child({ component: 'stops' }),
    });
  }

  // Sync only with a broker configured: a bus without one runs on imported lists (README).
  let sync: SyncFactory | null = null;
  if (config.mqtt.url) {
    const { createBusSync } = await import('../../sync/bus/bus-sync.js');
    // The status carries the version the bus runs (`software_version`, the depot's fleet view).
    sync = createBusSync(
      config,
      logger,
      clock,
      opts.softwareVersion ? { softwareVersion: opts.softwareVersion } : {},
    );
  }

  return { reader, display, signal: display, stopSource, clock, onShutdown: shutdownSteps, sync };
}
