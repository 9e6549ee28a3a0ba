/** The CardReader contract against the in-process fake (simulator/fakes/fake-card-reader.ts). */
import { FakeCardReader } from '../../simulator/fakes/fake-card-reader.js';
import { FakeClock } from '../../simulator/fakes/fake-clock.js';
import { describeCardReaderContract } from './card-reader.contract.js';

describeCardReaderContract('FakeCardReader', () => {
  let fake: FakeCardReader | null = null;
  const get = (): FakeCardReader => {
    if (!fake) throw new Error('reader not created');
    return fake;
  };
  return {
    roles: ['boarding', 'alighting'],
    eventWithinMs: 200,
    quietMs: 50,
    create: async () => {
      fake = new FakeCardReader(new FakeClock(Date.now()), ['boarding', 'alighting']);
      return fake;
    },
    presentFelica: async (idm, role) => {
      get().tap(idm, role);
    },
    presentForeign: async (role) => {
      get().foreign(role);
    },
    presentPulledMidRead: async (_idm, role) => {
      get().pull(role);
    },
    takeAway: async () => {},
    cleanup: async () => {
      fake = null;
    },
  };
});
