/**
 * THE schema of one sales-export row (DESIGN.md "Data contracts"): the CSV/JSON Lines/JSON
 * export, replay scenarios' `passes` and sync deltas all validate rows here and nowhere else.
 * The output is the domain `Pass` (device/domain/pass.ts).
 */
import { z } from 'zod';
import { PASS_KINDS, PASS_STATUSES, type Pass } from '../domain/pass.js';
import { isCalendarDate } from '../rules/dates.js';

/** CSV gives every value as a string and `operators` as `a|b`; JSON gives typed values and an array. */
export type SalesRowFormat = 'csv' | 'json';

export interface RowFieldError {
  readonly field: string;
  readonly message: string;
}

export type SalesRowResult =
  | { readonly ok: true; readonly pass: Pass }
  | { readonly ok: false; readonly errors: readonly RowFieldError[] };

/** The columns every export must have, in the contract's order. */
export const SALES_COLUMNS = [
  'pass_id',
  'card_number',
  'idm',
  'kind',
  'issuer',
  'operators',
  'valid_from',
  'valid_until',
  'fare_limit',
  'area',
  'status',
] as const;

const ID_MAX = 128;

/** An absent key says "is required"; anything else gets the field's own message. */
function says(message: string) {
  return { error: (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : message) };
}

const ID_MESSAGE = `must be a non-empty id (at most ${ID_MAX} characters)`;
const textId = z.string(says(ID_MESSAGE)).min(1, says(ID_MESSAGE)).max(ID_MAX, says(ID_MESSAGE));
/** JSON exports may write numeric ids (GTFS agency ids like 1430001056880) as numbers. */
const jsonId = z
  .union([textId, z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)], says(ID_MESSAGE))
  .transform((v) => String(v));

const CARD_MESSAGE = 'must be "JW" followed by 15 digits';
const cardNumber = z.string(says(CARD_MESSAGE)).regex(/^JW[0-9]{15}$/, says(CARD_MESSAGE));

const IDM_MESSAGE = 'must be 16 hex characters';
const idm = z
  .string(says(IDM_MESSAGE))
  .regex(/^[0-9a-fA-F]{16}$/, says(IDM_MESSAGE))
  .transform((v) => v.toLowerCase());

const kind = z.enum(PASS_KINDS, says(`must be one of ${PASS_KINDS.join(', ')}`));
const status = z.enum(PASS_STATUSES, says(`must be one of ${PASS_STATUSES.join(', ')}`));

const DATE_MESSAGE = 'must be a real date YYYY-MM-DD';
const date = z.string(says(DATE_MESSAGE)).refine(isCalendarDate, says(DATE_MESSAGE));

const OPERATORS_CSV = 'must be operator ids separated by "|" (at least one)';
const csvOperators = z
  .string(says(OPERATORS_CSV))
  .transform((v, ctx) => {
    const ids = v.split('|').map((s) => s.trim());
    if (ids.some((s) => s === '' || s.length > ID_MAX)) {
      ctx.addIssue({ code: 'custom', message: OPERATORS_CSV });
      return z.NEVER;
    }
    return ids;
  })
  .pipe(z.array(z.string()).refine(isUnique, 'lists an operator twice'));
const OPERATORS_JSON = 'must be a non-empty array of operator ids';
const jsonOperators = z
  .array(jsonId, says(OPERATORS_JSON))
  .min(1, says(OPERATORS_JSON))
  .refine(isUnique, 'lists an operator twice');

const FARE_MESSAGE = 'must be whole yen (0 or more), or empty for a free pass';
const fareText = z.string(says(FARE_MESSAGE)).transform((v, ctx) => {
  if (v === '') return null;
  if (!/^[0-9]{1,9}$/.test(v)) {
    ctx.addIssue({ code: 'custom', message: FARE_MESSAGE });
    return z.NEVER;
  }
  return Number(v);
});
const csvFare = fareText;
/** An absent key reads as null (a free pass), like an empty CSV cell. */
const jsonFare = z
  .union([z.null(), z.number().int().nonnegative().max(999_999_999), fareText], { error: FARE_MESSAGE })
  .optional()
  .transform((v) => v ?? null);

const AREA_MESSAGE = 'must be a GTFS area_id, or empty';
const csvArea = z
  .string(says(AREA_MESSAGE))
  .max(ID_MAX, says(AREA_MESSAGE))
  .transform((v) => (v === '' ? null : v));
const jsonArea = z
  .union([z.null(), z.string().max(ID_MAX)], { error: AREA_MESSAGE })
  .optional()
  .transform((v) => (v === '' || v === undefined ? null : v));

function rowSchema(format: SalesRowFormat) {
  const csv = format === 'csv';
  return z
    .object({
      pass_id: csv ? textId : jsonId,
      card_number: cardNumber,
      idm,
      kind,
      issuer: csv ? textId : jsonId,
      operators: csv ? csvOperators : jsonOperators,
      valid_from: date,
      valid_until: date,
      fare_limit: csv ? csvFare : jsonFare,
      area: csv ? csvArea : jsonArea,
      status,
    })
    .superRefine((row, ctx) => {
      // Field checks that failed softly (a bad format) still reach here: compare only sound values.
      if (
        isCalendarDate(row.valid_from) &&
        isCalendarDate(row.valid_until) &&
        row.valid_from > row.valid_until
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['valid_until'],
          message: `is before valid_from (${row.valid_from})`,
        });
      }
      // A free pass (まつえ通学フリーパス) is defined by its area; every other kind by its amount.
      const fareSound = row.fare_limit === null || typeof row.fare_limit === 'number';
      if (!PASS_KINDS.includes(row.kind) || !fareSound) return;
      const free = row.kind === 'student_free';
      if (free && row.area === null) {
        ctx.addIssue({ code: 'custom', path: ['area'], message: 'is required for kind student_free' });
      } else if (!free && row.area !== null) {
        ctx.addIssue({ code: 'custom', path: ['area'], message: 'is set only for kind student_free' });
      } else if (free && row.fare_limit !== null) {
        ctx.addIssue({
          code: 'custom',
          path: ['fare_limit'],
          message: 'must be empty for a free pass (area set)',
        });
      } else if (!free && row.fare_limit === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['fare_limit'],
          message: 'is required (whole yen) unless area is set',
        });
      }
    })
    .transform((row): Pass => row);
}

/** The schemas themselves, for callers that compose them (e.g. a replay scenario's inline passes). */
export const SalesRowCsvSchema = rowSchema('csv');
export const SalesRowJsonSchema = rowSchema('json');

/**
 * Validates one raw row (an object keyed by column name; unknown keys are ignored). Returns the
 * Pass, or every problem found as `{ field, message }` (field '(row)' when the row is not an object).
 */
export function validateSalesRow(raw: unknown, format: SalesRowFormat): SalesRowResult {
  const result = (format === 'csv' ? SalesRowCsvSchema : SalesRowJsonSchema).safeParse(raw);
  if (result.success) return { ok: true, pass: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((i) => ({
      field: i.path.length > 0 ? String(i.path[0]) : '(row)',
      message: i.path.length > 0 ? i.message : 'must be an object with the sales-export keys',
    })),
  };
}

/** Same as validateSalesRow (the name the brief used). */
export const parseSalesRow = validateSalesRow;

function isUnique(ids: readonly string[]): boolean {
  return new Set(ids).size === ids.length;
}
