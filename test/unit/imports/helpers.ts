/** Sales-export fixtures for import and store tests: rows, files in a temp dir. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pass } from '../../../device/domain/pass.js';

export const HEADER =
  'pass_id,card_number,idm,kind,issuer,operators,valid_from,valid_until,fare_limit,area,status';

export type CsvCells = Record<
  | 'pass_id'
  | 'card_number'
  | 'idm'
  | 'kind'
  | 'issuer'
  | 'operators'
  | 'valid_from'
  | 'valid_until'
  | 'fare_limit'
  | 'area'
  | 'status',
  string
>;

/** CSV cells of a valid commuter pass number `i`. */
export function cells(i: number, over: Partial<CsvCells> = {}): CsvCells {
  return {
    pass_id: `P${i}`,
    card_number: `JW${String(100000000000000 + i)}`,
    idm: idmOf(i),
    kind: 'commuter',
    issuer: 'matsue-city',
    operators: 'matsue-city|ichibata',
    valid_from: '2026-04-01',
    valid_until: '2026-06-30',
    fare_limit: '240',
    area: '',
    status: 'active',
    ...over,
  };
}

export function idmOf(i: number, card = 0): string {
  return `01${card.toString(16).padStart(2, '0')}${i.toString(16).padStart(12, '0')}`;
}

export function csvLine(c: CsvCells): string {
  return [
    c.pass_id,
    c.card_number,
    c.idm,
    c.kind,
    c.issuer,
    c.operators,
    c.valid_from,
    c.valid_until,
    c.fare_limit,
    c.area,
    c.status,
  ].join(',');
}

export function csv(rows: readonly CsvCells[], eol = '\n'): string {
  return [HEADER, ...rows.map(csvLine)].join(eol) + eol;
}

/** The domain pass the CSV cells stand for. */
export function passOf(c: CsvCells): Pass {
  return {
    pass_id: c.pass_id,
    card_number: c.card_number,
    idm: c.idm.toLowerCase(),
    kind: c.kind as Pass['kind'],
    issuer: c.issuer,
    operators: c.operators.split('|'),
    valid_from: c.valid_from,
    valid_until: c.valid_until,
    fare_limit: c.fare_limit === '' ? null : Number(c.fare_limit),
    area: c.area === '' ? null : c.area,
    status: c.status as Pass['status'],
  };
}

/** JSON row (as a JSON export writes it) of the CSV cells. */
export function jsonRow(c: CsvCells): Record<string, unknown> {
  const p = passOf(c);
  return { ...p, operators: [...p.operators] };
}

export interface TempDir {
  readonly dir: string;
  write(name: string, content: string | Buffer): string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-import-'));
  return {
    dir,
    write(name, content) {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
