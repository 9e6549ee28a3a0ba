import { FakeClock } from '../../simulator/fakes/fake-clock.js';
import { FakeStopSource } from '../../simulator/fakes/fake-stop-source.js';
import { describeStopSourceContract } from './stop-source.contract.js';

describeStopSourceContract('FakeStopSource', async () => {
  const clock = new FakeClock();
  const source = new FakeStopSource(clock);
  return {
    source,
    clock,
    arrive: async (route, stop, trip) => source.arrive(route, stop, trip),
    garbage: async () => source.fail(new Error('bad line')),
    dispose: async () => {},
  };
});
