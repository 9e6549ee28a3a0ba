import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../simulator/vpcd/commands.js';

describe('virtual card line commands', () => {
  it('parses a tap with and without a hold time', () => {
    expect(parseCommand('tap 0114b3a1c2d3e4f5 300')).toMatchObject({ kind: 'tap', holdMs: 300 });
    expect(parseCommand('tap 0114B3A1C2D3E4F5')).toMatchObject({ kind: 'tap', holdMs: 800 });
  });

  it('parses the scripted cards', () => {
    expect(parseCommand('pull 0114b3a1c2d3e4f5')).toMatchObject({
      kind: 'insert',
      card: { behaviour: { kind: 'pull' } },
    });
    expect(parseCommand('hang 0114b3a1c2d3e4f5')).toMatchObject({ card: { behaviour: { kind: 'hang' } } });
    expect(parseCommand('status 0114b3a1c2d3e4f5 6A81')).toMatchObject({
      card: { behaviour: { kind: 'status', sw: '6A81' } },
    });
    expect(parseCommand('foreign iso')).toMatchObject({ kind: 'insert' });
    expect(parseCommand('remove')).toEqual({ kind: 'remove' });
    expect(parseCommand('drop')).toEqual({ kind: 'drop' });
  });

  it('skips blank lines and comments, and names what is wrong with a bad line', () => {
    expect(parseCommand('  ')).toBeNull();
    expect(parseCommand('# a comment')).toBeNull();
    expect(() => parseCommand('tap 0114')).toThrow(/16 hex/);
    expect(() => parseCommand('status 0114b3a1c2d3e4f5 6A')).toThrow(/status word/);
    expect(() => parseCommand('fly')).toThrow(/unknown command/);
  });
});
