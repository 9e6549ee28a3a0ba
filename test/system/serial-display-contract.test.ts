/** The DriverDisplay contract against SerialDisplay, with a simulated display unit on a real pty. */
import { afterAll } from 'vitest';
import type { VerdictTone } from '../../hardware/ports/driver-display.js';
import { SerialDisplay } from '../../hardware/serial/serial-display.js';
import { attachDisplayUnit } from '../../simulator/display-unit/attach.js';
import { describeDriverDisplayContract } from '../contract/driver-display.contract.js';
import { disposeAllPtys, openPtyPair } from '../helpers/pty.js';

afterAll(disposeAllPtys);

describeDriverDisplayContract('SerialDisplay over a pty', async () => {
  const pty = await openPtyPair();
  const peer = await attachDisplayUnit(pty.b, { encoding: 'utf-8' });
  const display = new SerialDisplay({
    path: pty.a,
    baud: 115200,
    encoding: 'utf-8',
    ackTimeoutMs: 100,
    maxRetries: 3,
    queueLimit: 8,
  });
  await display.open();
  const messages = peer.unit.messages;
  return {
    display,
    signal: display,
    shown: () => ({
      verdicts: messages.flatMap((m) => (m.type === 'verdict' ? [m.screen] : [])),
      statuses: messages.flatMap((m) => (m.type === 'status' ? [m.status] : [])),
      tones: messages.flatMap((m): VerdictTone[] => (m.type === 'signal' ? [m.signal.tone] : [])),
    }),
    dispose: async () => {
      await display.close(200);
      await peer.close();
      await pty.dispose();
    },
  };
});
