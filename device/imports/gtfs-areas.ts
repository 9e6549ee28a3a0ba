/**
 * Free-pass areas (まつえ通学フリーパス) from areas.txt + stop_areas.txt. A stop is in an area
 * when it or a station above it is listed; the list is expanded here so the bus asks one
 * indexed question per stop.
 */
import type { CompiledNetwork } from '../store/network-data.js';
import type { StopOut } from './gtfs-core.js';
import { checkUnique, type GtfsSource } from './gtfs-source.js';

export interface AreaTables {
  readonly areas: CompiledNetwork['areas'][number][];
  readonly stopAreas: CompiledNetwork['stopAreas'][number][];
}

export async function readAreas(
  src: GtfsSource,
  stops: readonly StopOut[],
  stopIndex: ReadonlyMap<string, number>,
): Promise<AreaTables> {
  const areas: AreaTables['areas'] = [];
  const seen = new Map<string, number>();
  const hasAreasFile = src.has('areas.txt');
  for await (const row of src.rows('areas.txt', ['area_id'], false)) {
    const id = src.need('areas.txt', row, 'area_id');
    if (id === null || !checkUnique(src, seen, 'areas.txt', 'area_id', id, row.line)) continue;
    areas.push({ area_id: id, name: row.record.area_name || null });
  }

  const children = childrenOf(stops);
  const members = new Map<string, Set<string>>();
  for await (const row of src.rows('stop_areas.txt', ['area_id', 'stop_id'], false)) {
    const area = src.need('stop_areas.txt', row, 'area_id');
    const stop = src.need('stop_areas.txt', row, 'stop_id');
    if (area === null || stop === null) continue;
    let ok = true;
    if (hasAreasFile && !seen.has(area)) {
      src.error('stop_areas.txt', row.line, 'area_id', `unknown area "${area}"`);
      ok = false;
    }
    if (!stopIndex.has(stop)) {
      src.error('stop_areas.txt', row.line, 'stop_id', `unknown stop "${stop}"`);
      ok = false;
    }
    if (!ok) continue;
    if (!hasAreasFile && !seen.has(area)) {
      // Without areas.txt the areas are the ones stop_areas.txt names.
      seen.set(area, row.line);
      areas.push({ area_id: area, name: null });
    }
    let set = members.get(area);
    if (!set) {
      set = new Set();
      members.set(area, set);
    }
    addWithDescendants(set, stop, children);
  }

  const stopAreas: AreaTables['stopAreas'] = [];
  for (const [area_id, set] of members) for (const stop_id of set) stopAreas.push({ area_id, stop_id });
  return { areas, stopAreas };
}

function childrenOf(stops: readonly StopOut[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of stops) {
    if (s.parent_station === null) continue;
    const list = out.get(s.parent_station);
    if (list) list.push(s.stop_id);
    else out.set(s.parent_station, [s.stop_id]);
  }
  return out;
}

/** The stop, its platforms, their boarding areas …; the set guards against a parent cycle. */
function addWithDescendants(set: Set<string>, stop: string, children: ReadonlyMap<string, string[]>): void {
  const todo = [stop];
  while (todo.length > 0) {
    const s = todo.pop()!;
    if (set.has(s)) continue;
    set.add(s);
    for (const c of children.get(s) ?? []) todo.push(c);
  }
}
