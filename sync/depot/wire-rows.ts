import type { Pass } from '../../device/domain/pass.js';
import type { WireRow } from '../schemas/entries.js';

/** A pass as a delta carries it: the sales row in its JSON form (operators an array). */
export function toWireRow(pass: Pass): WireRow {
  return { ...pass };
}
