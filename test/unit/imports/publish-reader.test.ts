/**
 * `teiki depot publish` reads the export with the same reader as `teiki passes import` (once,
 * from a pipe too) and the same check against the network it publishes with.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportRefusedError } from '../../../device/imports/import-error.js';
import { publishExport } from '../../../sync/depot/publish-export.js';
import { csvRow, type DepotFixture, depotFixture, HEADER, SAMPLE_GTFS } from '../sync/depot-fixtures.js';

let f: DepotFixture;
afterEach(() => f?.cleanup());

describe('depot publish reads exports like passes import', () => {
  it('refuses a free pass whose area the network lacks, at its line and field, and publishes nothing', async () => {
    f = depotFixture();
    const ctx = f.open();
    const free =
      'F1,JW100000000000999,0114000000000999,student_free,matsue-city,matsue-city,2026-04-01,2027-03-31,,kita,active';
    const file = f.writeExport('free.csv', [csvRow(1), free]);
    const err = await publishExport(ctx, { passesFile: file, networkDir: SAMPLE_GTFS }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImportRefusedError);
    expect((err as Error).message).toMatch(
      /free\.csv:3: area: "kita" is not an area of the network in force \(it has "matsue"\)/,
    );
    expect(f.broker.published).toEqual([]);
  });

  it('reads an export from a stream once, to the end', async () => {
    f = depotFixture();
    const ctx = f.open();
    const text = `${[HEADER, csvRow(1), csvRow(2)].join('\n')}\n`;
    const stream = Readable.from([Buffer.from(text.slice(0, 50)), Buffer.from(text.slice(50))]);
    const s = await publishExport(ctx, { passesFile: { name: 'stdin', stream }, networkDir: SAMPLE_GTFS });
    expect(s).toMatchObject({ version: 1 });
    expect(ctx.state.list.info().count).toBe(2);
  });
});
