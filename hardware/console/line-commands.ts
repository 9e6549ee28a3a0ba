/**
 * The text protocol of the console driver (`readers[].driver: "sim"`, `stop_source.driver: "sim"`):
 * one command per line, as typed at a terminal or written by a test to the daemon's stdin.
 *
 *   tap <idm16hex> [boarding|alighting]     a FeliCa card on a reader (default boarding)
 *   foreign [boarding|alighting]            a non-FeliCa card (phone, MIFARE, EMV)
 *   stop <route_id> <stop_id> [trip_id]     the bus is at a stop
 *
 * Blank lines and lines starting with # are ignored. Pure parser, shared by the adapters below.
 */
export type LineCommand =
  | { readonly kind: 'tap'; readonly idm: string; readonly reader: 'boarding' | 'alighting' }
  | { readonly kind: 'foreign'; readonly reader: 'boarding' | 'alighting' }
  | { readonly kind: 'stop'; readonly route: string; readonly stop: string; readonly trip?: string };

export type ParsedLine =
  | LineCommand
  | { readonly kind: 'empty' }
  | { readonly kind: 'error'; readonly message: string };

const ROLE = new Set(['boarding', 'alighting']);
const ID = /^[\w.:-]{1,64}$/;

export function parseLine(line: string): ParsedLine {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return { kind: 'empty' };
  if (text.length > 256) return { kind: 'error', message: 'line too long' };
  const [cmd, ...args] = text.split(/\s+/);
  switch (cmd) {
    case 'tap': {
      const [idm, role = 'boarding'] = args;
      if (!idm || !/^[0-9a-fA-F]{16}$/.test(idm))
        return { kind: 'error', message: 'tap: idm must be 16 hex characters' };
      if (!ROLE.has(role)) return { kind: 'error', message: 'tap: reader must be boarding or alighting' };
      return { kind: 'tap', idm: idm.toLowerCase(), reader: role as 'boarding' | 'alighting' };
    }
    case 'foreign': {
      const [role = 'boarding'] = args;
      if (!ROLE.has(role)) return { kind: 'error', message: 'foreign: reader must be boarding or alighting' };
      return { kind: 'foreign', reader: role as 'boarding' | 'alighting' };
    }
    case 'stop': {
      const [route, stop, trip] = args;
      if (!route || !stop || !ID.test(route) || !ID.test(stop) || (trip !== undefined && !ID.test(trip))) {
        return { kind: 'error', message: 'stop: usage: stop <route_id> <stop_id> [trip_id]' };
      }
      return trip ? { kind: 'stop', route, stop, trip } : { kind: 'stop', route, stop };
    }
    default:
      return { kind: 'error', message: `unknown command "${cmd}" (tap, foreign, stop)` };
  }
}
