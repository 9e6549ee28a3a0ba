import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generatedIdm,
  generatedPassId,
  generatePasses,
  main,
  SALES_EXPORT_COLUMNS,
  type SalesExportRow,
  writePassesCsv,
} from '../../../simulator/generate-passes.js';

const OPERATORS = new Set(['matsue-city', 'ichibata']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function realDate(s: string): boolean {
  return DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

/** The field formats of DESIGN.md "Sales export"; returns the first problem, or null. */
function problem(row: SalesExportRow): string | null {
  if (Object.keys(row).join(',') !== SALES_EXPORT_COLUMNS.join(',')) return 'columns';
  if (row.pass_id === '' || row.pass_id.includes(',')) return 'pass_id';
  if (!/^JW\d{15}$/.test(row.card_number)) return 'card_number';
  if (!/^[0-9a-f]{16}$/.test(row.idm)) return 'idm';
  if (!['commuter', 'student_free', 'student', 'disability'].includes(row.kind)) return 'kind';
  if (!OPERATORS.has(row.issuer)) return 'issuer';
  const ops = row.operators.split('|');
  if (ops.some((o) => !OPERATORS.has(o)) || new Set(ops).size !== ops.length) return 'operators';
  if (!ops.includes(row.issuer)) return 'operators (issuer missing)';
  if (!realDate(row.valid_from) || !realDate(row.valid_until)) return 'dates';
  if (row.valid_from > row.valid_until) return 'valid_from after valid_until';
  const free = row.kind === 'student_free';
  if (free ? row.fare_limit !== '' : !/^[1-9]\d*$/.test(row.fare_limit)) return 'fare_limit';
  if (free ? row.area !== 'matsue' : row.area !== '') return 'area';
  if ((row.kind === 'student' || row.kind === 'disability') && row.issuer !== 'ichibata') return 'issuer';
  if (!['active', 'refunded', 'suspended'].includes(row.status)) return 'status';
  return null;
}

describe('generatePasses', () => {
  const N = 100_000;
  const rows = [...generatePasses(N, { seed: 42 })];

  it('is deterministic for a seed and differs between seeds', () => {
    expect([...generatePasses(500, { seed: 42 })]).toEqual(rows.slice(0, 500));
    const other = [...generatePasses(500, { seed: 43 })];
    expect(other).not.toEqual(rows.slice(0, 500));
    expect(other.map((r) => r.pass_id)).toEqual(rows.slice(0, 500).map((r) => r.pass_id));
  });

  it('gives unique pass_id and idm over 100,000 rows', () => {
    expect(rows).toHaveLength(N);
    expect(new Set(rows.map((r) => r.pass_id)).size).toBe(N);
    expect(new Set(rows.map((r) => r.idm)).size).toBe(N);
    expect(new Set(rows.map((r) => r.card_number)).size).toBe(N);
  });

  it('lets a test find pass i by its documented pass_id and idm', () => {
    for (const i of [0, 1, 7, 4242, N - 1]) {
      expect(rows[i]?.pass_id).toBe(generatedPassId(i));
      expect(rows[i]?.idm).toBe(generatedIdm(i, 42));
    }
  });

  it('matches the field formats of DESIGN.md on every row', () => {
    const bad = rows.map((r, i) => ({ i, p: problem(r), r })).filter((x) => x.p !== null);
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('has every kind and status, mostly active, and the edge dates', () => {
    const kinds = new Set(rows.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['commuter', 'disability', 'student', 'student_free']);
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    expect(count('refunded')).toBeGreaterThan(0);
    expect(count('suspended')).toBeGreaterThan(0);
    expect(count('active') / N).toBeGreaterThan(0.85);
    expect(rows.some((r) => r.valid_from === '2026-04-01')).toBe(true);
    expect(rows.some((r) => r.valid_until === '2026-04-01')).toBe(true);
    expect(rows.some((r) => r.valid_from === r.valid_until)).toBe(true);
    expect(rows.some((r) => r.valid_until === '2026-04-30')).toBe(true);
    expect(rows.some((r) => r.valid_until === '2026-02-28')).toBe(true);
    expect(rows.some((r) => r.operators.includes('|'))).toBe(true);
  });

  it('covers every kind and status even for a handful of rows', () => {
    const few = [...generatePasses(6, { seed: 7 })];
    expect(new Set(few.map((r) => r.kind)).size).toBe(4);
    expect(new Set(few.map((r) => r.status))).toEqual(new Set(['active', 'refunded', 'suspended']));
  });

  it('follows the start option and rejects bad input', () => {
    const later = [...generatePasses(2_000, { seed: 1, start: '2027-01-15' })];
    expect(later.some((r) => r.valid_from === '2027-01-15')).toBe(true);
    expect(() => generatePasses(1, { start: '2026-02-30' }).next()).toThrow(/start/);
    expect(() => generatePasses(-1).next()).toThrow(/count/);
  });
});

describe('writePassesCsv and the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-gen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the same rows as the generator, with the header', async () => {
    const file = join(dir, 'p.csv');
    await expect(writePassesCsv(file, 3_000, { seed: 9 })).resolves.toBe(3_000);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe(SALES_EXPORT_COLUMNS.join(','));
    expect(lines.at(-1)).toBe('');
    const expected = [...generatePasses(3_000, { seed: 9 })].map((r) =>
      SALES_EXPORT_COLUMNS.map((k) => r[k]).join(','),
    );
    expect(lines.slice(1, -1)).toEqual(expected);
  });

  it('runs as a CLI', async () => {
    const file = join(dir, 'cli.csv');
    let out = '';
    let err = '';
    const io = { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } };
    expect(await main(['--count', '25', '--out', file, '--seed', '3'], io)).toBe(0);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(26);
    expect(err).toMatch(/wrote 25 passes/);
    expect(await main(['--help'], io)).toBe(0);
    expect(out).toMatch(/--count N/);
    expect(await main(['--count', 'x', '--out', file], io)).toBe(2);
    expect(await main(['--bogus'], io)).toBe(2);
    expect(err).toMatch(/Unknown option '--bogus'/);
  });
});
