/**
 * Runs a DisplayUnit on a serial port (a pty in tests and the demo). The unit end never
 * reconnects: when the port goes away it reports `onLost` and stops, like a powered-off unit.
 */
import { SerialPort } from 'serialport';
import { DisplayUnit, type DisplayUnitOptions } from './unit.js';

export interface AttachOptions extends DisplayUnitOptions {
  readonly baud?: number;
  readonly onLost?: (error: Error) => void;
  /** Sees every raw chunk received (tests check the bytes on the wire). */
  readonly onData?: (chunk: Buffer) => void;
}

export interface AttachedUnit {
  readonly unit: DisplayUnit;
  close(): Promise<void>;
}

export async function attachDisplayUnit(path: string, options: AttachOptions): Promise<AttachedUnit> {
  const port = new SerialPort({ path, baudRate: options.baud ?? 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let closing = false;
  const unit = new DisplayUnit(options, (bytes) => {
    if (port.isOpen) port.write(bytes);
  });
  port.on('data', (chunk: Buffer) => {
    options.onData?.(chunk);
    unit.feed(chunk);
  });
  port.on('error', (err: Error) => {
    if (!closing) options.onLost?.(err);
  });
  port.on('close', (err: Error | null) => {
    unit.stop();
    if (!closing) options.onLost?.(err ?? new Error('port closed'));
  });
  return {
    unit,
    close: async () => {
      if (closing) return;
      closing = true;
      unit.stop();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
