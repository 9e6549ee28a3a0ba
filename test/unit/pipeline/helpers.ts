/** Small in-memory stand-ins for the store interfaces, for pipeline unit tests only. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Pass } from '../../../device/domain/pass.js';
import type { Logger } from '../../../device/log/logger.js';
import type { Decision, OpenTapOn } from '../../../device/rules/types.js';
import type { CardPasses, NetworkLookup, NewRecord, StoredRecord } from '../../../device/store/types.js';

export function pass(over: Partial<Pass> = {}): Pass {
  return {
    pass_id: 'P1',
    card_number: 'JW123456789012345',
    idm: '0114b3a1c2d3e4f5',
    kind: 'commuter',
    issuer: 'matsue-city',
    operators: ['matsue-city'],
    valid_from: '2026-04-01',
    valid_until: '2026-04-30',
    fare_limit: 300,
    area: null,
    status: 'active',
    ...over,
  };
}

export class MemoryPasses {
  readonly passes: Pass[] = [];
  lookup(idm: string): CardPasses {
    return { passes: this.passes.filter((p) => p.idm === idm), changes: [] };
  }
}

export class MemoryRecords {
  readonly records: StoredRecord[] = [];
  readonly open = new Map<string, OpenTapOn>();
  failNext: Error | null = null;
  openTapOn(idm: string): OpenTapOn | null {
    return this.open.get(idm) ?? null;
  }
  commitTap(rec: NewRecord, tapOn: Decision['tapOn']): StoredRecord {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    const stored: StoredRecord = {
      ...rec,
      event_id: `e${this.records.length + 1}`,
      seq: this.records.length + 1,
      vehicle_id: 'bus-1',
      uploaded: false,
    };
    this.records.push(stored);
    if (tapOn === 'open') {
      this.open.set(rec.idm, {
        event_id: stored.event_id,
        at: rec.at,
        route: rec.route,
        stop: rec.stop,
        trip: rec.trip,
        pass_id: rec.pass_id,
      });
    } else if (tapOn === 'close') this.open.delete(rec.idm);
    return stored;
  }
}

/** Two zones A, B on route 81: A→A ¥170, A→B ¥250; stops a1,a2 in A (in area matsue), b1 in B. */
export const tinyNetwork: NetworkLookup = {
  stop: (id) =>
    ['a1', 'a2', 'b1'].includes(id)
      ? { stop_id: id, zone_id: id.startsWith('a') ? 'A' : 'B', name: id }
      : null,
  fare: (route, o, d) => {
    if (route !== '81') return null;
    if (o === 'A' && d === 'A') return 170;
    if ((o === 'A' && d === 'B') || (o === 'B' && d === 'A')) return 250;
    return null;
  },
  stopInArea: (stop, area) => area === 'matsue' && stop.startsWith('a'),
  stopsBetween: (_r, _t, from, to) => {
    const order = ['a1', 'a2', 'b1'];
    const i = order.indexOf(from);
    const j = order.indexOf(to);
    return i >= 0 && j >= i ? order.slice(i, j + 1) : null;
  },
  routeAgency: () => 'matsue-city',
  info: () => ({
    version: 't',
    importedAt: null,
    agencies: 1,
    routes: 1,
    stops: 3,
    patterns: 1,
    fares: 3,
    areas: 1,
  }),
};

/** A logger whose JSON lines are kept in `lines`. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}
