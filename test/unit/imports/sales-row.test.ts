import { describe, expect, it } from 'vitest';
import { validateSalesRow } from '../../../device/imports/sales-row.js';
import { cells, jsonRow, passOf } from './helpers.js';

function fieldsOf(raw: unknown, format: 'csv' | 'json'): string[] {
  const r = validateSalesRow(raw, format);
  return r.ok ? [] : r.errors.map((e) => e.field);
}

describe('one sales-export row', () => {
  it('becomes a domain pass with a lowercase IDm and split operators (CSV)', () => {
    const r = validateSalesRow(cells(1, { idm: '0114B3A1C2D3E4F5' }), 'csv');
    expect(r).toEqual({ ok: true, pass: passOf(cells(1, { idm: '0114b3a1c2d3e4f5' })) });
  });

  it('becomes the same pass from JSON, numeric agency ids read as strings', () => {
    const row = { ...jsonRow(cells(1)), issuer: 1430001056880, operators: [1430001056880, 'ichibata'] };
    const r = validateSalesRow(row, 'json');
    expect(r.ok && r.pass.operators).toEqual(['1430001056880', 'ichibata']);
    expect(r.ok && r.pass.issuer).toBe('1430001056880');
  });

  it('reads a free pass with an area and no amount (empty in CSV, null or absent in JSON)', () => {
    const free = cells(2, { kind: 'student_free', fare_limit: '', area: 'matsue' });
    expect(validateSalesRow(free, 'csv')).toMatchObject({
      ok: true,
      pass: { fare_limit: null, area: 'matsue' },
    });
    const { fare_limit: _omit, ...json } = jsonRow(free);
    expect(validateSalesRow(json, 'json')).toMatchObject({ ok: true, pass: { fare_limit: null } });
  });

  it.each([
    ['card_number', 'JW12345678901234'],
    ['card_number', 'jw123456789012345'],
    ['card_number', 'JW12345678901234X'],
    ['idm', '0114b3a1c2d3e4f'],
    ['idm', '0114b3a1c2d3e4fg'],
    ['kind', 'monthly'],
    ['issuer', ''],
    ['operators', ''],
    ['operators', 'matsue-city||ichibata'],
    ['operators', 'ichibata|ichibata'],
    ['valid_from', '2026-02-30'],
    ['valid_from', '2026-4-01'],
    ['valid_until', '2025-02-29'],
    ['fare_limit', '-10'],
    ['fare_limit', '240.5'],
    ['fare_limit', '¥240'],
    ['status', 'cancelled'],
    ['pass_id', ''],
  ] as const)('refuses %s "%s"', (field, value) => {
    expect(fieldsOf(cells(1, { [field]: value }), 'csv')).toEqual([field]);
  });

  it('accepts 29 February in a leap year only', () => {
    expect(fieldsOf(cells(1, { valid_until: '2028-02-29' }), 'csv')).toEqual([]);
    expect(fieldsOf(cells(1, { valid_until: '2027-02-29' }), 'csv')).toEqual(['valid_until']);
  });

  it('refuses valid_until before valid_from, on valid_until', () => {
    const r = validateSalesRow(cells(1, { valid_from: '2026-05-01', valid_until: '2026-04-30' }), 'csv');
    expect(r).toEqual({
      ok: false,
      errors: [{ field: 'valid_until', message: 'is before valid_from (2026-05-01)' }],
    });
  });

  it('wants exactly one of area and fare_limit, and an area only on student_free', () => {
    expect(fieldsOf(cells(1, { area: 'matsue' }), 'csv')).toEqual(['area']);
    expect(fieldsOf(cells(1, { fare_limit: '' }), 'csv')).toEqual(['fare_limit']);
    expect(fieldsOf(cells(1, { kind: 'student_free', area: '', fare_limit: '' }), 'csv')).toEqual(['area']);
    expect(fieldsOf(cells(1, { kind: 'student_free', area: 'matsue' }), 'csv')).toEqual(['fare_limit']);
  });

  it('names every missing JSON key, and refuses a row that is not an object', () => {
    expect(fieldsOf({ pass_id: 'P1' }, 'json')).toEqual([
      'card_number',
      'idm',
      'kind',
      'issuer',
      'operators',
      'valid_from',
      'valid_until',
      'status',
    ]);
    expect(validateSalesRow([1, 2], 'json')).toMatchObject({ ok: false, errors: [{ field: '(row)' }] });
  });

  it('refuses a JSON operators value that is not a non-empty array', () => {
    expect(fieldsOf({ ...jsonRow(cells(1)), operators: 'matsue-city' }, 'json')).toEqual(['operators']);
    expect(fieldsOf({ ...jsonRow(cells(1)), operators: [] }, 'json')).toEqual(['operators']);
    expect(fieldsOf({ ...jsonRow(cells(1)), fare_limit: 2.5 }, 'json')).toEqual(['fare_limit']);
  });

  it('ignores unknown keys', () => {
    expect(fieldsOf({ ...cells(1), note: 'x' }, 'csv')).toEqual([]);
  });
});
