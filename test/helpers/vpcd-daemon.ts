/**
 * The rig of the tests that run `teiki run` on both vpcd readers: a real pcscd (pcscd.ts), a work
 * directory whose config reads slot 0 as boarding and slot 1 as alighting, with the sample network
 * and a current pass list imported (workdir.ts), and one virtual card slot per reader.
 *
 *   let rig: VpcdDaemonRig;
 *   beforeAll(async () => { rig = await startVpcdDaemonRig(); }, VPCD_RIG_HOOK_TIMEOUT_MS);
 *   afterAll(() => rig?.close(), 30_000);
 */
import { VirtualCardSlot, type VirtualCardSlotOptions } from '../../simulator/vpcd/virtual-card-slot.js';
import { PCSCD_HOOK_TIMEOUT_MS, type Pcscd, startPcscd, VPCD_PORTS, VPCD_READERS_CONFIG } from './pcscd.js';
import { importSample, makeWorkdir, type Workdir, writeCurrentPasses } from './workdir.js';

/** Covers waiting for pcscd's lock, starting it, and the imports. */
export const VPCD_RIG_HOOK_TIMEOUT_MS = PCSCD_HOOK_TIMEOUT_MS + 60_000;

export interface VpcdDaemonRig {
  readonly pcscd: Pcscd;
  readonly w: Workdir;
  /** Slot k is vpcd port VPCD_PORTS[k], reader VPCD_READERS[k]. */
  readonly slots: readonly VirtualCardSlot[];
  /** Takes the cards away, stops pcscd, removes the work directory. Idempotent. */
  close(): Promise<void>;
}

export interface VpcdDaemonRigOptions {
  /** pcscd's clock speed (pcscd.ts `speed`); default 1. */
  readonly speed?: number;
  /** More config keys for `teiki run`, over the two vpcd readers. */
  readonly config?: Record<string, unknown>;
  readonly slot?: Omit<VirtualCardSlotOptions, 'port'>;
}

export async function startVpcdDaemonRig(o: VpcdDaemonRigOptions = {}): Promise<VpcdDaemonRig> {
  const pcscd = await startPcscd(o.speed === undefined ? {} : { speed: o.speed });
  let w: Workdir | undefined;
  try {
    w = makeWorkdir({ readers: VPCD_READERS_CONFIG, ...o.config });
    await importSample(w, { passes: writeCurrentPasses(w) });
  } catch (err) {
    w?.cleanup();
    await pcscd.close();
    throw err;
  }
  const workdir = w;
  const slots = VPCD_PORTS.map((port) => new VirtualCardSlot({ ...o.slot, port }));
  let closed = false;
  return {
    pcscd,
    w: workdir,
    slots,
    async close() {
      if (closed) return;
      closed = true;
      for (const s of slots) await s.close();
      await pcscd.close();
      workdir.cleanup();
    },
  };
}
