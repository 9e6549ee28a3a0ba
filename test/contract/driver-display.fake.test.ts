import { FakeDisplay, FakeSignal } from '../../simulator/fakes/fake-display.js';
import { describeDriverDisplayContract } from './driver-display.contract.js';

describeDriverDisplayContract('FakeDisplay + FakeSignal', async () => {
  const display = new FakeDisplay();
  const signal = new FakeSignal();
  return {
    display,
    signal,
    shown: () => ({
      verdicts: [...display.screens],
      statuses: [...display.statuses],
      tones: [...signal.tones],
    }),
    dispose: async () => {
      await display.close();
      await signal.close();
    },
  };
});
