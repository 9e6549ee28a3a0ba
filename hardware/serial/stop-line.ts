/**
 * The announcement controller's line protocol (hardware/README.md, "Stop source"), NMEA 0183
 * style so that the usual bus-controller firmware and a terminal can both produce it:
 *
 *   $STOP,<route_id>,<trip_id or empty>,<stop_id>*<XOR checksum, 2 hex digits>\r\n
 *
 * The checksum is the XOR of every byte between '$' and '*' (as NMEA). Fields are printable
 * ASCII without '$', '*' or ','. A line is at most MAX_STOP_LINE bytes before its terminator.
 * `parseStopLine` is pure and total (never throws), for fuzzing.
 */
export const MAX_STOP_LINE = 256;

export interface StopFix {
  readonly route_id: string;
  readonly trip_id?: string | undefined;
  readonly stop_id: string;
}

export type StopLineError =
  | 'too_long'
  | 'bad_character'
  | 'no_start'
  | 'no_checksum'
  | 'bad_checksum'
  | 'unknown_sentence'
  | 'field_count'
  | 'empty_field';

export type StopLineResult =
  | { readonly ok: true; readonly stop: StopFix }
  | { readonly ok: false; readonly reason: StopLineError };

const FIELD = /^[\x21-\x7e]*$/;
const FORBIDDEN = /[$*,]/;

export function stopLineChecksum(body: string): number {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i) & 0xff;
  return x;
}

/** One line without its '\n' (a trailing '\r' is allowed). Bytes are passed as latin1 chars. */
export function parseStopLine(input: string): StopLineResult {
  const line = input.endsWith('\r') ? input.slice(0, -1) : input;
  if (line.length > MAX_STOP_LINE) return fail('too_long');
  if (!/^[\x20-\x7e]*$/.test(line)) return fail('bad_character');
  if (!line.startsWith('$')) return fail('no_start');
  const star = line.lastIndexOf('*');
  if (star < 0 || line.length !== star + 3) return fail('no_checksum');
  const hex = line.slice(star + 1);
  if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return fail('no_checksum');
  const body = line.slice(1, star);
  if (stopLineChecksum(body) !== Number.parseInt(hex, 16)) return fail('bad_checksum');
  const fields = body.split(',');
  if (fields[0] !== 'STOP') return fail('unknown_sentence');
  if (fields.length !== 4) return fail('field_count');
  const [, route_id = '', trip_id = '', stop_id = ''] = fields;
  for (const f of [route_id, trip_id, stop_id]) {
    if (!FIELD.test(f) || FORBIDDEN.test(f)) return fail('bad_character');
  }
  if (route_id === '' || stop_id === '') return fail('empty_field');
  return { ok: true, stop: trip_id === '' ? { route_id, stop_id } : { route_id, trip_id, stop_id } };
}

/** The line a controller sends for `stop`, terminator included. Throws on unsendable ids. */
export function formatStopLine(stop: StopFix): string {
  const trip = stop.trip_id ?? '';
  for (const f of [stop.route_id, trip, stop.stop_id]) {
    if (!FIELD.test(f) || FORBIDDEN.test(f)) throw new RangeError(`id ${JSON.stringify(f)} cannot be sent`);
  }
  const body = `STOP,${stop.route_id},${trip},${stop.stop_id}`;
  const sum = stopLineChecksum(body).toString(16).toUpperCase().padStart(2, '0');
  const line = `$${body}*${sum}`;
  if (line.length > MAX_STOP_LINE) throw new RangeError('stop line longer than 256 bytes');
  return `${line}\r\n`;
}

function fail(reason: StopLineError): StopLineResult {
  return { ok: false, reason };
}

/**
 * Splits the byte stream into lines without ever holding more than MAX_STOP_LINE (+1 for '\r')
 * bytes: an overlong line is skipped to its end and reported once as `too_long`.
 */
export class StopLineSplitter {
  #buf = '';
  #overflow = false;

  push(chunk: Uint8Array): Array<{ line: string } | { tooLong: true }> {
    const out: Array<{ line: string } | { tooLong: true }> = [];
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const piece = text.slice(start, nl < 0 ? text.length : nl);
      if (!this.#overflow) {
        if (this.#buf.length + piece.length > MAX_STOP_LINE + 1) {
          this.#overflow = true;
          this.#buf = '';
        } else {
          this.#buf += piece;
        }
      }
      if (nl < 0) break;
      if (this.#overflow) out.push({ tooLong: true });
      else if (this.#buf !== '' && this.#buf !== '\r') out.push({ line: this.#buf });
      this.#buf = '';
      this.#overflow = false;
      start = nl + 1;
    }
    return out;
  }
}
