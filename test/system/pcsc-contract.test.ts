/** The CardReader contract against the PC/SC adapter on the real stack: pcscd + vpcd + virtual cards. */
import { afterAll, beforeAll } from 'vitest';
import { PcscCardReader } from '../../hardware/pcsc/index.js';
import type { ReaderRole } from '../../hardware/ports/card-reader.js';
import { systemClock } from '../../hardware/system-clock.js';
import { felicaCard, foreignCard } from '../../simulator/vpcd/virtual-card.js';
import { VirtualCardSlot } from '../../simulator/vpcd/virtual-card-slot.js';
import { describeCardReaderContract } from '../contract/card-reader.contract.js';
import { PCSCD_HOOK_TIMEOUT_MS, type Pcscd, startPcscd, VPCD_PORTS, VPCD_READERS } from '../helpers/pcscd.js';

let pcscd: Pcscd;
beforeAll(async () => {
  pcscd = await startPcscd();
}, PCSCD_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await pcscd?.close();
});

describeCardReaderContract('PcscCardReader on pcscd + vpcd', () => {
  const slots: Record<ReaderRole, VirtualCardSlot> = {
    boarding: new VirtualCardSlot({ port: VPCD_PORTS[0] }),
    alighting: new VirtualCardSlot({ port: VPCD_PORTS[1] }),
  };
  return {
    roles: ['boarding', 'alighting'],
    // One pcscd poll (400 ms) to notice the card, then connect and GET DATA.
    eventWithinMs: 3000,
    quietMs: 800,
    create: async () =>
      new PcscCardReader({
        readers: [
          { driver: 'pcsc', match: VPCD_READERS[0], role: 'boarding' },
          { driver: 'pcsc', match: VPCD_READERS[1], role: 'alighting' },
        ],
        clock: systemClock,
      }),
    presentFelica: (idm, role) => slots[role].insert(felicaCard(idm)),
    presentForeign: (role) => slots[role].insert(foreignCard()),
    presentPulledMidRead: (idm, role) => slots[role].insert(felicaCard(idm, { kind: 'pull' })),
    takeAway: (role) => slots[role].remove(),
    cleanup: async () => {
      await Promise.all([slots.boarding.close(), slots.alighting.close()]);
    },
  };
});
