import { describe, expect, it } from 'vitest';
import { parseLine } from '../../../hardware/console/line-commands.js';

describe('console line commands', () => {
  it('parses taps, foreign cards and stops', () => {
    expect(parseLine('tap 0114B3A1C2D3E4F5 alighting')).toEqual({
      kind: 'tap',
      idm: '0114b3a1c2d3e4f5',
      reader: 'alighting',
    });
    expect(parseLine('tap 0114b3a1c2d3e4f5')).toEqual({
      kind: 'tap',
      idm: '0114b3a1c2d3e4f5',
      reader: 'boarding',
    });
    expect(parseLine('foreign')).toEqual({ kind: 'foreign', reader: 'boarding' });
    expect(parseLine('stop 81 matsue-sta t1')).toEqual({
      kind: 'stop',
      route: '81',
      stop: 'matsue-sta',
      trip: 't1',
    });
    expect(parseLine('  # comment')).toEqual({ kind: 'empty' });
  });

  it.each(['tap 0114', 'tap 0114b3a1c2d3e4f5 front', 'stop 81', 'jump', `stop ${'x'.repeat(300)} a`])(
    'refuses a bad line without throwing: %s',
    (line) => {
      expect(parseLine(line).kind).toBe('error');
    },
  );
});
