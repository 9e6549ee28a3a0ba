import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatStopLine,
  MAX_STOP_LINE,
  parseStopLine,
  StopLineSplitter,
  stopLineChecksum,
} from '../../../hardware/serial/stop-line.js';

/** A line with a correct checksum around any body, to reach the checks after the checksum. */
const signed = (body: string): string =>
  `$${body}*${stopLineChecksum(body).toString(16).toUpperCase().padStart(2, '0')}`;

describe('stop line protocol: the examples of hardware/README.md', () => {
  it('formats a stop with a trip', () => {
    expect(formatStopLine({ route_id: '81', trip_id: 'T81-0758', stop_id: 'matsue-sta' })).toBe(
      '$STOP,81,T81-0758,matsue-sta*17\r\n',
    );
  });

  it('formats a stop without a trip', () => {
    expect(formatStopLine({ route_id: '81', stop_id: 'kencho-mae' })).toBe('$STOP,81,,kencho-mae*7D\r\n');
  });

  it('parses both back', () => {
    expect(parseStopLine('$STOP,81,T81-0758,matsue-sta*17')).toEqual({
      ok: true,
      stop: { route_id: '81', trip_id: 'T81-0758', stop_id: 'matsue-sta' },
    });
    expect(parseStopLine('$STOP,81,,kencho-mae*7d\r')).toEqual({
      ok: true,
      stop: { route_id: '81', stop_id: 'kencho-mae' },
    });
  });
});

describe('parseStopLine refuses', () => {
  const cases: Array<[string, string, string]> = [
    ['a wrong checksum', '$STOP,81,,kencho-mae*7E', 'bad_checksum'],
    ['no checksum', '$STOP,81,,kencho-mae', 'no_checksum'],
    ['a checksum that is not hex', '$STOP,81,,kencho-mae*G1', 'no_checksum'],
    ['a line without $', 'STOP,81,,kencho-mae*7D', 'no_start'],
    ['another sentence', signed('NEXT,81,,kencho-mae'), 'unknown_sentence'],
    ['too few fields', signed('STOP,81,kencho-mae'), 'field_count'],
    ['too many fields', signed('STOP,81,,kencho-mae,x'), 'field_count'],
    ['an empty stop id', signed('STOP,81,,'), 'empty_field'],
    ['an empty route id', signed('STOP,,,kencho-mae'), 'empty_field'],
    ['a space in an id', signed('STOP,81,,kencho mae'), 'bad_character'],
    ['a control character', '$STOP,81,,ken\x07cho*00', 'bad_character'],
    ['a non-ASCII byte', signed('STOP,81,,県庁前'), 'bad_character'],
    ['a line over 256 bytes', signed(`STOP,81,,${'x'.repeat(260)}`), 'too_long'],
  ];
  for (const [what, line, reason] of cases) {
    it(what, () => {
      expect(parseStopLine(line)).toEqual({ ok: false, reason });
    });
  }

  it('never throws, whatever the input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        const r = parseStopLine(s);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });

  it('parses back whatever formatStopLine writes (property)', () => {
    const id = fc.stringMatching(/^[\x21-\x7e]{1,40}$/).filter((s) => !/[$*,]/.test(s));
    fc.assert(
      fc.property(id, fc.option(id, { nil: undefined }), id, (route_id, trip_id, stop_id) => {
        const line = formatStopLine({ route_id, trip_id, stop_id });
        expect(parseStopLine(line.slice(0, -1))).toEqual({
          ok: true,
          stop: trip_id === undefined ? { route_id, stop_id } : { route_id, trip_id, stop_id },
        });
      }),
    );
  });

  it('formatStopLine refuses ids the protocol cannot carry', () => {
    expect(() => formatStopLine({ route_id: '8,1', stop_id: 'a' })).toThrow(RangeError);
    expect(() => formatStopLine({ route_id: '81', stop_id: 'x'.repeat(300) })).toThrow(RangeError);
  });
});

describe('StopLineSplitter', () => {
  const lines = (items: Array<{ line: string } | { tooLong: true }>) =>
    items.map((i) => ('line' in i ? i.line : '<too long>'));

  it('joins lines split across chunks and keeps the \\r for the parser', () => {
    const s = new StopLineSplitter();
    expect(lines(s.push(Buffer.from('$STOP,81,,ke')))).toEqual([]);
    expect(lines(s.push(Buffer.from('ncho-mae*7D\r\n$ST')))).toEqual(['$STOP,81,,kencho-mae*7D\r']);
    expect(lines(s.push(Buffer.from('OP\n\r\n\n')))).toEqual(['$STOP']);
  });

  it('skips an overlong line to its end, reports it once, and goes on', () => {
    const s = new StopLineSplitter();
    const out = [
      ...s.push(Buffer.alloc(MAX_STOP_LINE + 10, 0x41)),
      ...s.push(Buffer.alloc(5000, 0x41)),
      ...s.push(Buffer.from('AAA\n$STOP,81,,kencho-mae*7D\n')),
    ];
    expect(lines(out)).toEqual(['<too long>', '$STOP,81,,kencho-mae*7D']);
  });

  it('passes non-ASCII bytes through as latin1 characters (the parser refuses them)', () => {
    const [line] = new StopLineSplitter().push(Buffer.from([0x24, 0xff, 0x0a]));
    expect(line).toEqual({ line: '$\u00ff' });
  });
});
