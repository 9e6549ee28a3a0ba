import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportRefusedError } from '../../../device/imports/import-error.js';
import { importPassesFile } from '../../../device/imports/passes-import.js';
import { ListStore } from '../../../device/store/list-store.js';
import {
  type CsvCells,
  cells,
  csv,
  HEADER,
  idmOf,
  jsonRow,
  passOf,
  type TempDir,
  tempDir,
} from './helpers.js';

let tmp: TempDir;
let store: ListStore;

beforeEach(() => {
  tmp = tempDir();
  store = ListStore.open(':memory:');
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

async function refusal(file: string): Promise<ImportRefusedError> {
  const err = await importPassesFile(store, file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportRefusedError);
  return err as ImportRefusedError;
}

/** The store's content, to compare before and after a refused import. */
function snapshot(): unknown {
  const { appliedAt: _t, ...info } = store.info();
  return { info, passes: [...store.allPasses()], changes: store.allCardChanges() };
}

describe('importing a sales export', () => {
  it('reads a CSV file into the list', async () => {
    const rows = [cells(1), cells(2, { kind: 'student_free', fare_limit: '', area: 'matsue' }), cells(3)];
    const counts = await importPassesFile(store, tmp.write('passes.csv', csv(rows)));
    expect(counts).toMatchObject({ total: 3, added: 3, format: 'csv', encoding: 'utf-8', version: 1 });
    expect(store.lookup(idmOf(2)).passes).toEqual([passOf(rows[1]!)]);
  });

  it('reads JSON Lines and a JSON array into the same list as the CSV', async () => {
    const rows = [cells(1), cells(2, { status: 'refunded' })];
    const lines = `${rows.map((r) => JSON.stringify(jsonRow(r))).join('\n')}\n`;
    await importPassesFile(store, tmp.write('passes.jsonl', lines));
    const fromJsonl = [...store.allPasses()];
    await importPassesFile(store, tmp.write('passes.json', JSON.stringify(rows.map(jsonRow), null, 2)));
    expect([...store.allPasses()]).toEqual(fromJsonl);
    expect(fromJsonl).toEqual(rows.map(passOf));
  });

  it('sniffs the format of a file without a known extension', async () => {
    const rows = [cells(1)];
    await importPassesFile(store, tmp.write('a.txt', `\n  ${JSON.stringify(rows.map(jsonRow))}`));
    await importPassesFile(store, tmp.write('b.txt', JSON.stringify(jsonRow(rows[0]!))));
    const r = await importPassesFile(store, tmp.write('c.txt', csv(rows)));
    expect(r.format).toBe('csv');
    expect([...store.allPasses()]).toEqual(rows.map(passOf));
  });

  it('accepts a BOM, CRLF line ends, quoted fields and extra columns', async () => {
    const text =
      '\uFEFFpass_id,note,card_number,idm,kind,issuer,operators,valid_from,valid_until,fare_limit,area,status\r\n' +
      `"P1","a, ""quoted""\r\nnote",JW100000000000001,${idmOf(1)},commuter,matsue-city,"matsue-city|ichibata",2026-04-01,2026-06-30,240,,active\r\n`;
    await importPassesFile(store, tmp.write('passes.csv', text));
    expect([...store.allPasses()]).toEqual([passOf(cells(1))]);
  });

  it('decodes a Shift_JIS (CP932) export', async () => {
    const area = '松江管内';
    const text = csv([cells(1, { kind: 'student_free', fare_limit: '', area })], '\r\n');
    const r = await importPassesFile(store, tmp.write('passes.csv', iconv.encode(text, 'cp932')));
    expect(r.encoding).toBe('cp932');
    expect(store.lookup(idmOf(1)).passes[0]?.area).toBe(area);
  });

  it('reports progress while reading and once at the end', async () => {
    const seen: number[] = [];
    const rows = Array.from({ length: 25_000 }, (_, i) => cells(i));
    await importPassesFile(store, tmp.write('passes.csv', csv(rows)), { onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([10_000, 20_000, 25_000]);
  });

  it('turns a pass on another IDm in a later export into a change of card', async () => {
    await importPassesFile(store, tmp.write('day1.csv', csv([cells(1), cells(2)])));
    const counts = await importPassesFile(
      store,
      tmp.write('day2.csv', csv([cells(1, { idm: idmOf(1, 7) }), cells(2)])),
    );
    expect(counts).toMatchObject({ total: 2, updated: 1, unchanged: 1, cardChanges: 1, version: 2 });
    expect(store.lookup(idmOf(1))).toEqual({
      passes: [],
      changes: [{ idm: idmOf(1), pass_id: 'P1', valid_until: '2026-06-30' }],
    });
    expect(store.lookup(idmOf(1, 7)).passes.map((p) => p.pass_id)).toEqual(['P1']);
  });

  it('refuses a file with no rows, unless allowed', async () => {
    const file = tmp.write('passes.csv', `${HEADER}\n`);
    expect((await refusal(file)).message).toMatch(/passes\.csv: no rows/);
    await expect(importPassesFile(store, file, { allowEmpty: true })).resolves.toMatchObject({ total: 0 });
  });
});

describe('a bad row refuses the whole file and leaves the list as it was', () => {
  let before: unknown;
  beforeEach(async () => {
    await importPassesFile(store, tmp.write('good.csv', csv([cells(1), cells(2), cells(3)])));
    before = snapshot();
  });

  const cases: [string, Partial<CsvCells>, string][] = [
    ['card_number', { card_number: 'JW1234' }, 'must be "JW" followed by 15 digits'],
    ['idm', { idm: '0114b3a1c2d3e4' }, 'must be 16 hex characters'],
    ['kind', { kind: 'monthly' }, 'must be one of commuter, student_free, student, disability'],
    ['issuer', { issuer: '' }, 'must be a non-empty id'],
    ['operators', { operators: '' }, 'must be operator ids separated by "|"'],
    ['valid_from', { valid_from: '2026-13-01' }, 'must be a real date YYYY-MM-DD'],
    ['valid_until', { valid_until: '2026-04-31' }, 'must be a real date YYYY-MM-DD'],
    ['valid_until', { valid_from: '2026-07-01' }, 'is before valid_from (2026-07-01)'],
    ['fare_limit', { fare_limit: '2x0' }, 'must be whole yen'],
    ['area', { area: 'matsue' }, 'is set only for kind student_free'],
    ['fare_limit', { kind: 'student_free', area: 'matsue' }, 'must be empty for a free pass'],
    ['status', { status: 'expired' }, 'must be one of active, refunded, suspended'],
  ];
  it.each(cases)('%s: %j', async (field, over, text) => {
    const file = tmp.write('passes.csv', csv([cells(10), cells(11), cells(12, over), cells(13)]));
    const err = await refusal(file);
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]).toMatchObject({ file, line: 4, field });
    expect(err.message).toContain(`${file}:4: ${field}: ${text}`);
    expect(snapshot()).toEqual(before);
  });

  it('a duplicate pass_id, reported on the second line', async () => {
    const file = tmp.write('passes.csv', csv([cells(10), cells(11), cells(10, { idm: idmOf(99) })]));
    const err = await refusal(file);
    expect(err.message).toBe(`${file}:4: pass_id: duplicate "P10" (first on line 2)`);
    expect(snapshot()).toEqual(before);
  });

  it('a missing column, as a file-level error on the header line', async () => {
    const file = tmp.write('passes.csv', `${HEADER.replace(',status', '')}\nP1,JW100000000000001\n`);
    const err = await refusal(file);
    expect(err.errors.map((e) => [e.line, e.field])).toEqual([[1, 'status']]);
    expect(err.message).toBe(`${file}:1: status: missing column`);
    expect(snapshot()).toEqual(before);
  });

  it('a row with more fields than the header', async () => {
    const file = tmp.write('passes.csv', `${csv([cells(10)])}${Object.values(cells(11)).join(',')},extra\n`);
    const err = await refusal(file);
    expect(err.message).toBe(`${file}:3: has 12 fields, the header has 11`);
    expect(snapshot()).toEqual(before);
  });

  it('counts physical lines across quoted line breaks and blank lines', async () => {
    const text = `${HEADER}\n\n"P1\nsecond line",${Object.values(cells(1)).slice(1).join(',')}\n\n${Object.values(
      cells(2, { idm: 'nothex' }),
    ).join(',')}\n`;
    const err = await refusal(tmp.write('passes.csv', text));
    expect(err.errors.map((e) => [e.line, e.field])).toEqual([[6, 'idm']]);
  });

  it('JSON Lines: the line of the row; bad JSON is an error of its line', async () => {
    const good = JSON.stringify(jsonRow(cells(10)));
    const file = tmp.write(
      'passes.jsonl',
      `${good}\n\n{"pass_id":\n${JSON.stringify({ ...jsonRow(cells(11)), idm: 'x' })}\n`,
    );
    const err = await refusal(file);
    expect(err.errors.map((e) => [e.line, e.field])).toEqual([
      [3, null],
      [4, 'idm'],
    ]);
    expect(err.message).toMatch(/passes\.jsonl:3: not valid JSON/);
    expect(snapshot()).toEqual(before);
  });

  it('JSON array: the physical line where the element starts', async () => {
    const rows = [jsonRow(cells(10)), { ...jsonRow(cells(11)), kind: 'x' }];
    const file = tmp.write('passes.json', JSON.stringify(rows, null, 2));
    const err = await refusal(file);
    const line = JSON.stringify(rows, null, 2).split('\n').indexOf('  {', 2) + 1;
    expect(err.errors.map((e) => [e.line, e.field])).toEqual([[line, 'kind']]);
    expect(snapshot()).toEqual(before);
  });

  it('collects up to 20 errors before refusing', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => cells(100 + i, { status: 'bad' }));
    const err = await refusal(tmp.write('passes.csv', csv(rows)));
    expect(err.errors).toHaveLength(20);
    expect(err.truncated).toBe(true);
    expect(err.errors.map((e) => e.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(snapshot()).toEqual(before);
  });

  it('a file that cannot be read', async () => {
    const err = await refusal(`${tmp.dir}/nope.csv`);
    expect(err.message).toMatch(/nope\.csv: cannot read \(ENOENT\)/);
    expect(snapshot()).toEqual(before);
  });
});
