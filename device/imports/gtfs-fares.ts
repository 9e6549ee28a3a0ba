/**
 * Fares from fare_attributes.txt + fare_rules.txt (GTFS "Fares v1", as GTFS-JP publishes them):
 * a rule keys a fare on route_id, origin_id and destination_id (stop zone_ids); an empty
 * value means "any". Several rules for one key keep the cheapest (the passenger's fare).
 *
 * Without rules (no fare_rules.txt, or one with no rows) nothing says which ride costs which
 * fare. Exactly one fare is a flat-fare feed: it prices every ride (`fare_model: "flat"`).
 * Several fares are refused: taking the cheapest for every ride (what this did before issue 12)
 * let amount passes through on rides that cost more. No fare at all leaves every fare unknown
 * (`"none"`: tap-offs answer fare_unknown, for the driver to collect by hand).
 */
import type { CompiledNetwork } from '../store/network-data.js';
import { checkUnique, type GtfsSource } from './gtfs-source.js';

export type FareOut = CompiledNetwork['fares'][number];

/** How the import priced rides: by fare_rules.txt, one flat fare, or not at all. */
export type FareModel = 'rules' | 'flat' | 'none';

export interface FareTables {
  readonly fares: FareOut[];
  readonly model: FareModel;
  /** fare_rules.txt rows read. */
  readonly rules: number;
  /** Rules conditioned only on contains_id, which a two-stop fare lookup cannot honour. */
  readonly skippedContains: number;
}

export async function readFares(
  src: GtfsSource,
  routeIds: ReadonlySet<string>,
  zones: ReadonlySet<string>,
): Promise<FareTables> {
  const prices = new Map<string, number>();
  const seen = new Map<string, number>();
  for await (const row of src.rows('fare_attributes.txt', ['fare_id', 'price'], false)) {
    const id = src.need('fare_attributes.txt', row, 'fare_id');
    const priceText = src.need('fare_attributes.txt', row, 'price');
    if (id === null || priceText === null) continue;
    if (!checkUnique(src, seen, 'fare_attributes.txt', 'fare_id', id, row.line)) continue;
    // JPY has no minor unit: "160" or "160.0" are 160 yen; "160.5" is not a fare.
    const m = /^([0-9]{1,9})(\.0*)?$/.exec(priceText);
    if (!m) {
      src.error('fare_attributes.txt', row.line, 'price', `must be whole yen, not "${priceText}"`);
      continue;
    }
    const currency = row.record.currency_type ?? '';
    if (currency !== '' && currency !== 'JPY') {
      src.error('fare_attributes.txt', row.line, 'currency_type', `must be JPY, not "${currency}"`);
      continue;
    }
    prices.set(id, Number(m[1]));
  }

  const cheapest = new Map<string, FareOut>();
  const put = (
    route: string | null,
    origin: string | null,
    destination: string | null,
    price: number,
  ): void => {
    const key = `${route ?? ''}\u0000${origin ?? ''}\u0000${destination ?? ''}`;
    const had = cheapest.get(key);
    if (!had || price < had.price) cheapest.set(key, { route_id: route, origin, destination, price });
  };

  let rules = 0;
  let skippedContains = 0;
  if (src.has('fare_rules.txt') && !src.has('fare_attributes.txt'))
    src.error('fare_attributes.txt', null, null, 'missing (fare_rules.txt needs it)');
  for await (const row of src.rows('fare_rules.txt', ['fare_id'], false)) {
    rules++;
    const fareId = src.need('fare_rules.txt', row, 'fare_id');
    if (fareId === null) continue;
    const price = prices.get(fareId);
    const route = row.record.route_id || null;
    const origin = row.record.origin_id || null;
    const destination = row.record.destination_id || null;
    let ok = true;
    if (price === undefined) ok = fail(src, row.line, 'fare_id', `unknown fare "${fareId}"`);
    if (route !== null && !routeIds.has(route))
      ok = fail(src, row.line, 'route_id', `unknown route "${route}"`);
    if (origin !== null && !zones.has(origin))
      ok = fail(src, row.line, 'origin_id', `unknown zone "${origin}"`);
    if (destination !== null && !zones.has(destination)) {
      ok = fail(src, row.line, 'destination_id', `unknown zone "${destination}"`);
    }
    if (!ok || price === undefined) continue;
    if (origin === null && destination === null && row.record.contains_id) {
      // Read without contains_id it would price every ride of the route: skip it instead.
      skippedContains++;
      continue;
    }
    put(route, origin, destination, price);
  }
  if (rules > 0) return { fares: [...cheapest.values()], model: 'rules', rules, skippedContains };
  if (prices.size > 1) {
    const why = src.has('fare_rules.txt') ? 'fare_rules.txt has no rules' : 'there is no fare_rules.txt';
    src.error(
      'fare_attributes.txt',
      null,
      null,
      `lists ${prices.size} fares but ${why}, so nothing says which ride costs which: add the rules, ` +
        'or list exactly one fare for a flat-fare network',
    );
    return { fares: [], model: 'none', rules, skippedContains };
  }
  // Exactly one fare and no rules: a flat fare for every ride.
  for (const price of prices.values()) put(null, null, null, price);
  return {
    fares: [...cheapest.values()],
    model: prices.size === 1 ? 'flat' : 'none',
    rules,
    skippedContains,
  };
}

function fail(src: GtfsSource, line: number, field: string, message: string): false {
  src.error('fare_rules.txt', line, field, message);
  return false;
}
