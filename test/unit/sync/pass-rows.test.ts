import { describe, expect, it } from 'vitest';
import { parsePassRow } from '../../../sync/pass-rows.js';
import { SyncRejection } from '../../../sync/rejection.js';
import { packSnapshotToMemory } from '../../../sync/snapshot.js';
import { unpackSnapshot } from '../../../sync/snapshot-unpack.js';
import { DAY, entries, NOW, passRow } from './fixtures.js';

describe('sales rows from the wire', () => {
  it('become domain passes through the sales-row schema', () => {
    expect(parsePassRow({ ...passRow(3), idm: '0114B3A1C2D3E4F5' })).toMatchObject({
      pass_id: 'P3',
      idm: '0114b3a1c2d3e4f5',
      operators: ['matsue-city', 'ichibata'],
    });
  });

  it('refuse a bad row as malformed, naming the pass and the field', () => {
    const err = (() => {
      try {
        parsePassRow({ ...passRow(4), card_number: 'JW12' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SyncRejection);
    expect((err as SyncRejection).message).toMatch(/malformed: pass P4: card_number/);
  });

  it('serve as the row parser of a snapshot', async () => {
    const { manifest, chunks } = await packSnapshotToMemory(entries(100, 1), {
      version: 1,
      createdAt: NOW,
      expiresAt: NOW + DAY,
      networkVersion: null,
    });
    let passes = 0;
    for await (const batch of unpackSnapshot(manifest, (i) => chunks[i], {
      now: NOW,
      parseRow: parsePassRow,
    })) {
      for (const e of batch) if ('pass' in e && e.pass.kind) passes++;
    }
    expect(passes).toBe(100);
  });
});

describe('domain passes into a snapshot', () => {
  it('pack as they are and come back equal through the row parser', async () => {
    const passes = [parsePassRow(passRow(1)), parsePassRow(passRow(10))];
    const { manifest, chunks } = await packSnapshotToMemory(
      passes.map((pass) => ({ pass })),
      { version: 2, createdAt: NOW, expiresAt: NOW + DAY, networkVersion: null },
    );
    const out: unknown[] = [];
    for await (const batch of unpackSnapshot(manifest, (i) => chunks[i], {
      now: NOW,
      parseRow: parsePassRow,
    })) {
      out.push(...batch.map((e) => ('pass' in e ? e.pass : e)));
    }
    expect(out).toEqual(passes);
  });
});
