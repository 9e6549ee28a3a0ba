/**
 * Snapshot rows through THE sales-row schema (device/imports/sales-row.ts), a million at a time.
 * The row schema is an object of field schemas plus cross-field rules that read only kind, the
 * two dates, and whether fare_limit and area are set. So a row is valid exactly when each field
 * is valid under its own field schema and the cross-field rules hold for those five facts. Field
 * results are remembered per value (kinds, operators, dates and amounts repeat across thousands
 * of passes), cross-field results per combination, checked once by the whole row schema on a row
 * that carries the same five facts. Same schema, same verdicts, a fraction of the work. A row
 * that fails anything goes through the full parse of the real row (parsePassRow), which names
 * the field in its refusal.
 */
import type { Pass } from '../../device/domain/pass.js';
import { SalesRowJsonSchema } from '../../device/imports/sales-row.js';
import { parsePassRow } from '../pass-rows.js';
import type { WireRow } from '../schemas/entries.js';

const FIELDS = SalesRowJsonSchema.in.shape;
type Fields = typeof FIELDS;
/** A valid row but for the five facts the cross-field rules read. */
const STAND_IN = {
  pass_id: 'x',
  card_number: 'JW000000000000000',
  idm: '0000000000000000',
  issuer: 'x',
  operators: ['x'],
  status: 'active',
};
const MAX_REMEMBERED = 100_000;
const INVALID = Symbol('invalid');

/** Remembers one field schema's verdicts per input value. */
class FieldMemo<K extends keyof Fields> {
  readonly #schema: Fields[K];
  readonly #seen = new Map<unknown, unknown>();

  constructor(field: K) {
    this.#schema = FIELDS[field];
  }

  parse(value: unknown, key: unknown = value): unknown {
    let out = this.#seen.get(key);
    if (out === undefined) {
      const r = this.#schema.safeParse(value);
      out = r.success ? r.data : INVALID;
      if (this.#seen.size >= MAX_REMEMBERED) this.#seen.clear();
      this.#seen.set(key, out);
    }
    return out;
  }
}

export class SnapshotRowParser {
  readonly #kind = new FieldMemo('kind');
  readonly #issuer = new FieldMemo('issuer');
  readonly #operators = new FieldMemo('operators');
  readonly #from = new FieldMemo('valid_from');
  readonly #until = new FieldMemo('valid_until');
  readonly #fare = new FieldMemo('fare_limit');
  readonly #area = new FieldMemo('area');
  readonly #status = new FieldMemo('status');
  /** kind → valid_from → valid_until → verdicts by (fare set, area set); no key string per row. */
  readonly #crossField = new Map<unknown, Map<unknown, Map<unknown, (boolean | undefined)[]>>>();
  #crossFieldSize = 0;

  readonly parse = (row: WireRow): Pass => {
    const ops = row.operators;
    const kind = this.#kind.parse(row.kind);
    const issuer = this.#issuer.parse(row.issuer);
    // Remembered by the array's JSON text; anything but an array is invalid (the full parse says why).
    const operators = Array.isArray(ops) ? this.#operators.parse(ops, JSON.stringify(ops)) : INVALID;
    const from = this.#from.parse(row.valid_from);
    const until = this.#until.parse(row.valid_until);
    const fare = this.#fare.parse(row.fare_limit);
    const area = this.#area.parse(row.area);
    const status = this.#status.parse(row.status);
    const id = FIELDS.pass_id.safeParse(row.pass_id);
    const card = FIELDS.card_number.safeParse(row.card_number);
    const idm = FIELDS.idm.safeParse(row.idm);
    if (
      kind === INVALID ||
      issuer === INVALID ||
      operators === INVALID ||
      from === INVALID ||
      until === INVALID ||
      fare === INVALID ||
      area === INVALID ||
      status === INVALID ||
      !id.success ||
      !card.success ||
      !idm.success ||
      !this.#crossFieldOk(row, fare === null, area === null)
    ) {
      return parsePassRow(row);
    }
    return {
      pass_id: id.data,
      card_number: card.data,
      idm: idm.data,
      kind,
      issuer,
      operators,
      valid_from: from,
      valid_until: until,
      fare_limit: fare,
      area,
      status,
    } as Pass;
  };

  #crossFieldOk(row: WireRow, noFare: boolean, noArea: boolean): boolean {
    // Reached only when kind and both dates passed their field schemas: plain strings.
    let byFrom = this.#crossField.get(row.kind);
    if (!byFrom) {
      byFrom = new Map();
      this.#crossField.set(row.kind, byFrom);
    }
    let byUntil = byFrom.get(row.valid_from);
    if (!byUntil) {
      byUntil = new Map();
      byFrom.set(row.valid_from, byUntil);
    }
    let verdicts = byUntil.get(row.valid_until);
    if (!verdicts) {
      verdicts = [undefined, undefined, undefined, undefined];
      byUntil.set(row.valid_until, verdicts);
    }
    const slot = (noFare ? 1 : 0) + (noArea ? 2 : 0);
    let ok = verdicts[slot];
    if (ok === undefined) {
      ok = SalesRowJsonSchema.safeParse({
        ...STAND_IN,
        kind: row.kind,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        fare_limit: row.fare_limit,
        area: row.area,
      }).success;
      if (++this.#crossFieldSize > MAX_REMEMBERED) {
        this.#crossField.clear(); // forget everything; this verdict is not remembered either
        this.#crossFieldSize = 0;
      } else verdicts[slot] = ok;
    }
    return ok;
  }
}
