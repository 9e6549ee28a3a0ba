import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * The list flow end to end over a real mosquitto (TLS, client certificates, ACL): the depot
 * publishes an export, a running bus applies it in its worker, and taps on the bus's own store
 * are decided by the new list — then a refund and a change of card arrive as a delta.
 */
const keys = depotKeys();
const tmp = tempDir('teiki-list-flow-');
let broker: Mosquitto;
let bus: TestBus;
let depot: TestDepot;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

beforeAll(async () => {
  broker = await startMosquitto({ tls: true, vehicles: ['bus-101'] });
  bus = await startBus(broker, { vehicle: 'bus-101', dir: tmp.dir, keys: [keys.publicPem] });
  depot = await startDepot(broker, { dir: tmp.dir, key: keys.privateKey });
});

afterAll(async () => {
  await bus?.close();
  await depot?.close();
  await broker?.dispose();
  tmp.cleanup();
});

describe('list sync over mosquitto', () => {
  it('applies a published snapshot, and taps are decided by it', async () => {
    expect(bus.tap(idmOf(1))).toMatchObject({ verdict: 'reject', reason: 'no_pass' });
    const summary = await publishExport(depot.ctx, {
      passesFile: writeExport(
        tmp.dir,
        'day1.csv',
        range(40).map((i) => csvRow(i)),
      ),
      networkDir: SAMPLE_GTFS,
    });
    await bus.waitVersion(summary.version);
    expect(bus.tap(idmOf(1))).toMatchObject({ verdict: 'accept', reason: 'ok', pass_id: 'P1' });
    expect(bus.store.info()).toMatchObject({ source: 'sync', count: 40, expiresAt: summary.expires_at });
    expect(bus.applied.at(-1)).toMatchObject({ kind: 'snapshot', version: summary.version });
    expect(bus.sync.stats()).toMatchObject({
      version: summary.version,
      last_applied_kind: 'snapshot',
      rejected: { total: 0 },
    });
  });

  it('brings a refund and a change of card to the running bus as a delta', async () => {
    const next = range(40).map((i) =>
      i === 2
        ? csvRow(2, { status: 'refunded' })
        : i === 3
          ? csvRow(3, { idm: 'abcdef0000000003' })
          : csvRow(i),
    );
    const summary = await publishExport(depot.ctx, {
      passesFile: writeExport(tmp.dir, 'day2.csv', next),
      networkDir: SAMPLE_GTFS,
    });
    expect(summary).toMatchObject({ kind: 'delta', delta: { upserts: 2, card_changes: 1 } });
    await bus.waitVersion(summary.version);
    expect(bus.applied.at(-1)).toMatchObject({ kind: 'delta', version: summary.version });
    expect(bus.tap(idmOf(2))).toMatchObject({ verdict: 'reject', reason: 'refunded', pass_id: 'P2' });
    expect(bus.tap(idmOf(3))).toMatchObject({ verdict: 'reject', reason: 'card_changed', pass_id: 'P3' });
    expect(bus.tap('abcdef0000000003')).toMatchObject({ verdict: 'accept', pass_id: 'P3' });
    expect(bus.store.info().expiresAt).toBe(summary.expires_at);
    expect(bus.sync.rejected()).toEqual({ total: 0, byCode: {} });
  });

  it('catches up from its persistent session after a restart, without a snapshot', async () => {
    await bus.goOffline();
    const next = range(41).map((i) =>
      i === 2
        ? csvRow(2, { status: 'refunded' })
        : i === 3
          ? csvRow(3, { idm: 'abcdef0000000003' })
          : csvRow(i),
    );
    const a = await publishExport(depot.ctx, {
      passesFile: writeExport(tmp.dir, 'day3.csv', next),
      networkDir: SAMPLE_GTFS,
    });
    const b = await publishExport(depot.ctx, {
      passesFile: writeExport(tmp.dir, 'day4.csv', next.slice(0, 39)),
      networkDir: SAMPLE_GTFS,
    });
    await bus.comeBack();
    await bus.waitVersion(b.version);
    expect(bus.applied.slice(-2).map((e) => [e.kind, e.version])).toEqual([
      ['delta', a.version],
      ['delta', b.version],
    ]);
    expect(bus.tap(idmOf(40))).toMatchObject({ reason: 'no_pass' });
    expect(bus.sync.rejected().total).toBe(0);
  });
});
