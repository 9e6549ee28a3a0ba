import type { Pass } from '../device/domain/pass.js';
import { validateSalesRow } from '../device/imports/sales-row.js';
import { SyncRejection } from './rejection.js';
import type { WireRow } from './schemas/entries.js';

/**
 * Sales rows on the wire become domain passes through THE sales-row schema (JSON flavour), the
 * same one the depot import used: the `parseRow` of unpackSnapshot and the check of a delta's
 * upserts. A bad row refuses the whole list (`malformed`), naming the field.
 */
export function parsePassRow(row: WireRow): Pass {
  const result = validateSalesRow(row, 'json');
  if (result.ok) return result.pass;
  const id = typeof row.pass_id === 'string' ? ` ${row.pass_id}` : '';
  const detail = result.errors.map((e) => `${e.field} ${e.message}`).join('; ');
  throw new SyncRejection('malformed', `pass${id}: ${detail}`);
}
