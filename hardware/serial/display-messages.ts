/**
 * Payloads of VERDICT and STATUS frames (TLV, see tlv.ts), both directions. The host encodes the
 * port's VerdictScreen / StatusLine as given; the unit (and the simulator) decode them back.
 * Tag numbers are the protocol: hardware/README.md lists them, never renumber.
 */
import type { ReaderRole } from '../ports/card-reader.js';
import type { StatusLine, VerdictScreen, VerdictTone } from '../ports/driver-display.js';
import type { TextCodec } from './text-codec.js';
import { PayloadError, readTlv, readU8, readUint, TlvWriter } from './tlv.js';

export const VerdictTag = {
  COLOUR: 0x01,
  VERDICT: 0x02,
  REASON: 0x03,
  READER: 0x04,
  HEADLINE: 0x05,
  KIND: 0x06,
  VALID_UNTIL: 0x07,
  EXCESS: 0x08,
  FARE: 0x09,
  CARD: 0x0a,
} as const;

export const StatusTag = {
  LIST_VERSION: 0x01,
  LIST_AGE_MIN: 0x02,
  FLAGS: 0x03,
  LINK: 0x04,
  READER: 0x05,
  ALARM: 0x06,
} as const;

/** Screen colour: the tone's light, so the driver sees what the passenger saw. */
export const COLOUR_CODES: Record<VerdictTone, number> = { accept: 1, reject: 2, attention: 3 };
const READER_CODES: Record<ReaderRole, number> = { boarding: 1, alighting: 2 };
const LINK_CODES: Record<StatusLine['link'], number> = { none: 0, online: 1, offline: 2 };
const FLAG_STALE = 0x01;
/** Reader states are short ASCII words (connected, disconnected, error). */
const MAX_READER_STATE = 32;

export interface Encoded {
  readonly payload: Buffer;
  /** Tags cut short or left out to fit; the adapter logs them. */
  readonly clipped: readonly number[];
}

export function encodeVerdict(s: VerdictScreen, codec: TextCodec): Encoded {
  const w = new TlvWriter();
  w.u8(VerdictTag.COLOUR, COLOUR_CODES[s.tone]);
  w.text(VerdictTag.VERDICT, s.verdict, codec);
  w.text(VerdictTag.REASON, s.reason, codec);
  if (s.reader !== null) w.u8(VerdictTag.READER, READER_CODES[s.reader]);
  w.text(VerdictTag.HEADLINE, s.headline, codec);
  if (s.kind !== null) w.text(VerdictTag.KIND, s.kind, codec);
  if (s.validUntil !== null) w.text(VerdictTag.VALID_UNTIL, s.validUntil, codec);
  if (s.excess !== null) w.uint(VerdictTag.EXCESS, s.excess);
  if (s.fare !== null) w.uint(VerdictTag.FARE, s.fare);
  if (s.card !== null) w.text(VerdictTag.CARD, s.card, codec);
  return { payload: w.finish(), clipped: w.clipped };
}

export function decodeVerdict(payload: Uint8Array, codec: TextCodec): VerdictScreen {
  let tone: VerdictTone | null = null;
  let verdict = '';
  let reason = '';
  let reader: ReaderRole | null = null;
  let headline = '';
  let kind: string | null = null;
  let validUntil: string | null = null;
  let excess: number | null = null;
  let fare: number | null = null;
  let card: string | null = null;
  for (const f of readTlv(payload)) {
    switch (f.tag) {
      case VerdictTag.COLOUR:
        tone = byCode(COLOUR_CODES, readU8(f), 'colour');
        break;
      case VerdictTag.VERDICT:
        verdict = codec.decode(f.value);
        break;
      case VerdictTag.REASON:
        reason = codec.decode(f.value);
        break;
      case VerdictTag.READER:
        reader = byCode(READER_CODES, readU8(f), 'reader');
        break;
      case VerdictTag.HEADLINE:
        headline = codec.decode(f.value);
        break;
      case VerdictTag.KIND:
        kind = codec.decode(f.value);
        break;
      case VerdictTag.VALID_UNTIL:
        validUntil = codec.decode(f.value);
        break;
      case VerdictTag.EXCESS:
        excess = readUint(f);
        break;
      case VerdictTag.FARE:
        fare = readUint(f);
        break;
      case VerdictTag.CARD:
        card = codec.decode(f.value);
        break;
      default:
        break; // a newer host's field: skipped, by design
    }
  }
  if (tone === null) throw new PayloadError('VERDICT without colour');
  return { verdict, reason, tone, reader, headline, kind, validUntil, excess, fare, card };
}

export function encodeStatus(s: StatusLine, codec: TextCodec): Encoded {
  const w = new TlvWriter();
  if (s.listVersion !== null) w.uint(StatusTag.LIST_VERSION, s.listVersion);
  if (s.listAgeMinutes !== null) w.uint(StatusTag.LIST_AGE_MIN, s.listAgeMinutes);
  w.u8(StatusTag.FLAGS, s.listStale ? FLAG_STALE : 0);
  w.u8(StatusTag.LINK, LINK_CODES[s.link]);
  for (const r of s.readers) {
    const state = codec.encode(r.state, MAX_READER_STATE).bytes;
    w.bytes(StatusTag.READER, Buffer.concat([Uint8Array.of(READER_CODES[r.reader]), state]));
  }
  for (const alarm of s.alarms) w.text(StatusTag.ALARM, alarm, codec);
  return { payload: w.finish(), clipped: w.clipped };
}

export function decodeStatus(payload: Uint8Array, codec: TextCodec): StatusLine {
  let listVersion: number | null = null;
  let listAgeMinutes: number | null = null;
  let listStale = false;
  let link: StatusLine['link'] = 'none';
  const readers: Array<{ reader: ReaderRole; state: string }> = [];
  const alarms: string[] = [];
  for (const f of readTlv(payload)) {
    switch (f.tag) {
      case StatusTag.LIST_VERSION:
        listVersion = readUint(f);
        break;
      case StatusTag.LIST_AGE_MIN:
        listAgeMinutes = readUint(f);
        break;
      case StatusTag.FLAGS:
        listStale = (readU8(f) & FLAG_STALE) !== 0;
        break;
      case StatusTag.LINK:
        link = byCode(LINK_CODES, readU8(f), 'link');
        break;
      case StatusTag.READER:
        if (f.value.length < 1) throw new PayloadError('empty reader field');
        readers.push({
          reader: byCode(READER_CODES, f.value[0]!, 'reader'),
          state: codec.decode(f.value.subarray(1)),
        });
        break;
      case StatusTag.ALARM:
        alarms.push(codec.decode(f.value));
        break;
      default:
        break;
    }
  }
  return { listVersion, listAgeMinutes, listStale, link, readers, alarms };
}

function byCode<K extends string>(table: Record<K, number>, code: number, what: string): K {
  for (const [key, value] of Object.entries(table) as Array<[K, number]>) if (value === code) return key;
  throw new PayloadError(`unknown ${what} code ${code}`);
}
