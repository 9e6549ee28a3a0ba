/** A pass as stored in `passes` and back. Operators are kept as a JSON array. */
import type { Pass, PassKind, PassStatus } from '../domain/pass.js';

export interface PassRow {
  readonly pass_id: string;
  readonly idm: string;
  readonly card_number: string;
  readonly kind: string;
  readonly issuer: string;
  readonly operators: string;
  readonly valid_from: string;
  readonly valid_until: string;
  readonly fare_limit: number | null;
  readonly area: string | null;
  readonly status: string;
}

/** Named parameters for the insert/update statements. */
export interface PassParams extends PassRow {
  readonly source_line: number | null;
}

export const PASS_COLUMNS =
  'pass_id, idm, card_number, kind, issuer, operators, valid_from, valid_until, fare_limit, area, status';
export const PASS_VALUES =
  '@pass_id, @idm, @card_number, @kind, @issuer, @operators, @valid_from, @valid_until, @fare_limit, @area, @status';

/** Rows were validated by the sales-row schema on their way in; the casts only restore the types. */
export function rowToPass(r: PassRow): Pass {
  return {
    pass_id: r.pass_id,
    card_number: r.card_number,
    idm: r.idm,
    kind: r.kind as PassKind,
    issuer: r.issuer,
    operators: JSON.parse(r.operators) as string[],
    valid_from: r.valid_from,
    valid_until: r.valid_until,
    fare_limit: r.fare_limit,
    area: r.area,
    status: r.status as PassStatus,
  };
}

/** A passes row as raw values, in PASS_COLUMNS order (ListStore.passesByPage). */
export type PassRowValues = [
  pass_id: string,
  idm: string,
  card_number: string,
  kind: string,
  issuer: string,
  operators: string,
  valid_from: string,
  valid_until: string,
  fare_limit: number | null,
  area: string | null,
  status: string,
];

/** rowToPass for raw values, with `operators` already parsed (shared by rows with equal text). */
export function rowValuesToPass(r: PassRowValues, operators: readonly string[]): Pass {
  return {
    pass_id: r[0],
    card_number: r[2],
    idm: r[1],
    kind: r[3] as PassKind,
    issuer: r[4],
    operators,
    valid_from: r[6],
    valid_until: r[7],
    fare_limit: r[8],
    area: r[9],
    status: r[10] as PassStatus,
  };
}

export function passParams(p: Pass, line: number | null): PassParams {
  return {
    pass_id: p.pass_id,
    idm: p.idm,
    card_number: p.card_number,
    kind: p.kind,
    issuer: p.issuer,
    operators: JSON.stringify(p.operators),
    valid_from: p.valid_from,
    valid_until: p.valid_until,
    fare_limit: p.fare_limit,
    area: p.area,
    status: p.status,
    source_line: line,
  };
}

/** Same content (the stored row vs. an incoming pass's parameters). */
export function sameRow(a: PassRow, b: PassRow): boolean {
  return (
    a.idm === b.idm &&
    a.card_number === b.card_number &&
    a.kind === b.kind &&
    a.issuer === b.issuer &&
    a.operators === b.operators &&
    a.valid_from === b.valid_from &&
    a.valid_until === b.valid_until &&
    a.fare_limit === b.fare_limit &&
    a.area === b.area &&
    a.status === b.status
  );
}
