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
import type { DriverDisplay } from '../../hardware/ports/driver-display.js';
import type { PassengerSignal } from '../../hardware/ports/passenger-signal.js';
import type { StopSource } from '../../hardware/ports/stop-source.js';
import { systemClock } from '../../hardware/system-clock.js';
import type { Config } from '../config/schema.js';
import type { DaemonPorts } from '../daemon/daemon.js';
import type { SyncFactory } from '../daemon/sync-link.js';
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

export async function createPorts(
  config: Config,
  logger: Logger,
  opts: { softwareVersion?: string } = {},
): Promise<DaemonPorts> {
  const clock = systemClock;
  const shutdownSteps: Array<{ name: string; run: () => Promise<void> | void }> = [];

  const simRoles = config.readers.filter((r) => r.driver === 'sim').map((r) => r.role);
  const needsConsole = simRoles.length > 0 || config.stop_source?.driver === 'sim';
  const lineConsole = needsConsole ? new LineConsole(process.stdin, clock, simRoles) : null;

  const readers: CardReader[] = [];
  if (lineConsole && simRoles.length) readers.push(lineConsole.reader);
  const pcscReaders = config.readers.filter((r) => r.driver === 'pcsc');
  if (pcscReaders.length) {
    const { PcscCardReader } = await import('../../hardware/pcsc/index.js');
    readers.push(
      new PcscCardReader({ readers: pcscReaders, clock, logger: logger.child({ component: 'pcsc' }) }),
    );
  }
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
    display = new ConsoleDisplay(process.stderr, { colour: process.stderr.isTTY === true });
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
