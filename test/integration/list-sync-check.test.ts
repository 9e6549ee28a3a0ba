import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishExport } from '../../sync/depot/publish-export.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { csvRow, idmOf } from '../unit/sync/depot-fixtures.js';
import {
  depotKeys,
  SAMPLE_GTFS,
  startBus,
  startDepot,
  type TestBus,
  type TestDepot,
  tempDir,
  writeExport,
} from './list-sync-harness.js';

/**
 * The nightly full check (issue 4) over a real mosquitto: a bus whose list has drifted from the
 * depot's snapshot of the very same version (a refund lost, a pass missing: a bad sector, a bug)
 * compares it with the retained snapshot and repairs it, keeping the version; a bus whose list
 * matches changes nothing but the check time.
 */
const keys = depotKeys();
const tmp = tempDir('teiki-list-check-');
let broker: Mosquitto;
let bus: TestBus;
let depot: TestDepot;
let version: number;

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
  bus = await startBus(broker, { vehicle: 'bus-101', dir: tmp.dir, keys: [keys.publicPem] });
  depot = await startDepot(broker, { dir: tmp.dir, key: keys.privateKey });
  const rows = Array.from({ length: 40 }, (_, i) => csvRow(i, i === 6 ? { status: 'refunded' } : {}));
  const file = writeExport(tmp.dir, 'day1.csv', rows);
  const summary = await publishExport(depot.ctx, { passesFile: file, networkDir: SAMPLE_GTFS, full: true });
  version = summary.version;
  await bus.waitVersion(version);
}, 60_000);

afterAll(async () => {
  await bus?.close();
  await depot?.close();
  await broker?.dispose();
  tmp.cleanup();
});

describe('the nightly full check', () => {
  it('changes nothing on a list that matches the depot snapshot of its version', async () => {
    const applied = bus.applied.length;
    expect(bus.sync.recheck()).toBe(true);
    await vi.waitFor(() => expect(bus.applied.length).toBe(applied + 1), { timeout: 15_000 });
    expect(bus.applied.at(-1)).toMatchObject({
      kind: 'snapshot',
      version,
      counts: { added: 0, updated: 0, removed: 0, unchanged: 40 },
    });
    expect(bus.store.info()).toMatchObject({ version, count: 40, source: 'sync' });
  });

  it('repairs a list that drifted from the snapshot of the same version, keeping the version', async () => {
    // The drift: pass 6's refund is lost and pass 9 is gone, under the version in force.
    const refunded = bus.store.lookup(idmOf(6)).passes[0]!;
    bus.store.applyChanges(
      { upserts: [{ ...refunded, status: 'active' }], removals: ['P9'] },
      { version, source: 'sync', expiresAt: bus.store.info().expiresAt, recheck: true },
    );
    expect(bus.tap(idmOf(6))).toMatchObject({ verdict: 'accept' });
    expect(bus.tap(idmOf(9))).toMatchObject({ reason: 'no_pass' });

    const applied = bus.applied.length;
    expect(bus.sync.recheck()).toBe(true);
    await vi.waitFor(() => expect(bus.applied.length).toBe(applied + 1), { timeout: 15_000 });
    expect(bus.applied.at(-1)).toMatchObject({ kind: 'snapshot', version, counts: { added: 1, updated: 1 } });
    expect(bus.store.info()).toMatchObject({ version, count: 40 });
    expect(bus.tap(idmOf(6))).toMatchObject({ verdict: 'reject', reason: 'refunded' });
    expect(bus.tap(idmOf(9))).toMatchObject({ verdict: 'accept', pass_id: 'P9' });
    expect(bus.sync.rejected().total).toBe(0);
  });
});
