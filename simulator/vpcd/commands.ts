/**
 * The virtual card's line commands (CLI stdin, the demo's real-stack mode):
 *   tap <idm> [holdMs]     place a FeliCa card, hold it (default 800 ms), take it away
 *   insert <idm>           place a FeliCa card and leave it
 *   remove                 take the card away
 *   foreign [mifare|iso]   place a non-FeliCa card (MIFARE Classic, or an ISO 14443-4 phone/EMV card)
 *   pull <idm>             a card taken away before it answers GET DATA
 *   status <idm> <sw>      a card answering GET DATA with an error status word, e.g. 6A81
 *   hang <idm>             a card that never answers GET DATA
 *   drop                   drop the TCP connection to vpcd (the placed card reconnects)
 *   quit
 */
import { ISO14443_4_ATR, MIFARE_CLASSIC_ATR } from './card-atrs.js';
import { felicaCard, foreignCard, type VirtualCard } from './virtual-card.js';

export type SlotCommand =
  | { readonly kind: 'tap'; readonly card: VirtualCard; readonly holdMs: number }
  | { readonly kind: 'insert'; readonly card: VirtualCard }
  | { readonly kind: 'remove' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'quit' };

export const DEFAULT_HOLD_MS = 800;

/** Parses one line; throws an Error naming the problem for a bad line. Empty lines and # comments give null. */
export function parseCommand(line: string): SlotCommand | null {
  const [verb, ...args] = line.trim().split(/\s+/);
  if (!verb || verb.startsWith('#')) return null;
  const idm = (): string => {
    const v = args[0];
    if (!v || !/^[0-9a-fA-F]{16}$/.test(v)) throw new Error(`${verb}: IDm must be 16 hex characters`);
    return v;
  };
  switch (verb) {
    case 'tap': {
      const hold = args[1] === undefined ? DEFAULT_HOLD_MS : Number(args[1]);
      if (!Number.isFinite(hold) || hold < 0) throw new Error('tap: holdMs must be a number of milliseconds');
      return { kind: 'tap', card: felicaCard(idm()), holdMs: hold };
    }
    case 'insert':
      return { kind: 'insert', card: felicaCard(idm()) };
    case 'pull':
      return { kind: 'insert', card: felicaCard(idm(), { kind: 'pull' }) };
    case 'hang':
      return { kind: 'insert', card: felicaCard(idm(), { kind: 'hang' }) };
    case 'status': {
      const sw = args[1];
      if (!sw || !/^[0-9a-fA-F]{4}$/.test(sw))
        throw new Error('status: status word must be 4 hex characters');
      return { kind: 'insert', card: felicaCard(idm(), { kind: 'status', sw }) };
    }
    case 'foreign': {
      const which = args[0] ?? 'mifare';
      if (which !== 'mifare' && which !== 'iso') throw new Error('foreign: mifare or iso');
      return { kind: 'insert', card: foreignCard(which === 'iso' ? ISO14443_4_ATR : MIFARE_CLASSIC_ATR) };
    }
    case 'remove':
      return { kind: 'remove' };
    case 'drop':
      return { kind: 'drop' };
    case 'quit':
      return { kind: 'quit' };
    default:
      throw new Error(`unknown command: ${verb}`);
  }
}
