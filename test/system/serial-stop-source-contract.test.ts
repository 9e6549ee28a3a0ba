/** The StopSource contract against SerialStopSource, fed by a controller on a real pty. */
import { SerialPort } from 'serialport';
import { afterAll } from 'vitest';
import { SerialStopSource } from '../../hardware/serial/serial-stop-source.js';
import { formatStopLine } from '../../hardware/serial/stop-line.js';
import { FakeClock } from '../../simulator/fakes/fake-clock.js';
import { describeStopSourceContract } from '../contract/stop-source.contract.js';
import { disposeAllPtys, openPtyPair } from '../helpers/pty.js';

afterAll(disposeAllPtys);

describeStopSourceContract('SerialStopSource over a pty', async () => {
  const pty = await openPtyPair();
  const controller = new SerialPort({ path: pty.b, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => controller.open((e) => (e ? reject(e) : resolve())));
  const send = (text: string): Promise<void> =>
    new Promise((resolve, reject) =>
      controller.write(text, 'latin1', (e) => (e ? reject(e) : controller.drain(() => resolve()))),
    );
  const clock = new FakeClock();
  const source = new SerialStopSource({ path: pty.a, baud: 9600, clock });
  return {
    source,
    clock,
    arrive: (route, stop, trip) => send(formatStopLine({ route_id: route, trip_id: trip, stop_id: stop })),
    garbage: () => send('$STOP,81,,matsue-sta*00\r\n'),
    dispose: async () => {
      await new Promise<void>((resolve) => controller.close(() => resolve()));
      await pty.dispose();
    },
  };
});
