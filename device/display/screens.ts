/**
 * Composes the driver's verdict screen from a decision, in the words of messages-ja.ts. Pure: no
 * clock, no I/O. `validUntil` stays YYYY-MM-DD (the wire form); the screen shows it as YYYY/MM/DD.
 */
import type { ReaderRole } from '../../hardware/ports/card-reader.js';
import type { VerdictScreen, VerdictTone } from '../../hardware/ports/driver-display.js';
import type { Pass } from '../domain/pass.js';
import { maskCard } from '../log/mask.js';
import { excessHeadline, KIND_JA, REASON_JA, type ScreenReason } from './messages-ja.js';

export function toneFor(verdict: string): VerdictTone {
  switch (verdict) {
    case 'accept':
      return 'accept';
    case 'reject':
      return 'reject';
    default:
      // excess and attention both need the driver; the passenger hears the distinct pattern.
      return 'attention';
  }
}

export interface ScreenInput {
  readonly verdict: string;
  readonly reason: ScreenReason;
  readonly reader: ReaderRole | null;
  readonly pass: Pass | null;
  readonly fare: number | null;
  readonly excess: number | null;
}

export function verdictScreen(d: ScreenInput): VerdictScreen {
  const headline =
    d.reason === 'excess_fare' && d.excess !== null ? excessHeadline(d.excess) : REASON_JA[d.reason];
  return {
    verdict: d.verdict,
    reason: d.reason,
    tone: toneFor(d.verdict),
    reader: d.reader,
    headline,
    kind: d.pass ? KIND_JA[d.pass.kind] : null,
    validUntil: d.pass?.valid_until ?? null,
    excess: d.excess,
    fare: d.fare,
    card: maskCard(d.pass?.card_number),
  };
}

export function foreignCardScreen(reader: ReaderRole): VerdictScreen {
  return {
    verdict: 'reject',
    reason: 'not_icoca',
    tone: 'reject',
    reader,
    headline: REASON_JA.not_icoca,
    kind: null,
    validUntil: null,
    excess: null,
    fare: null,
    card: null,
  };
}
