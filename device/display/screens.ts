/**
 * Composes the driver's verdict screen from a decision. Pure: no clock, no I/O.
 */
import type { ReaderRole } from '../../hardware/ports/card-reader.js';
import type { VerdictScreen, VerdictTone } from '../../hardware/ports/driver-display.js';
import type { Pass } from '../domain/pass.js';
import { maskCard } from '../log/mask.js';
import { KIND_JA, REASON_JA } from './messages-ja.js';

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
  readonly reason: string;
  readonly reader: ReaderRole | null;
  readonly pass: Pass | null;
  readonly fare: number | null;
  readonly excess: number | null;
}

export function verdictScreen(d: ScreenInput): VerdictScreen {
  const headline =
    d.reason === 'excess_fare' && d.excess !== null
      ? `差額 ¥${d.excess.toLocaleString('ja-JP')} をお受け取りください`
      : (REASON_JA[d.reason] ?? d.reason);
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
    headline: REASON_JA.not_icoca ?? 'ICOCAではありません',
    kind: null,
    validUntil: null,
    excess: null,
    fare: null,
    card: null,
  };
}
