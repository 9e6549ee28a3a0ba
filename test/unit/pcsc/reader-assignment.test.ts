import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../hardware/pcsc/backoff.js';
import { ReaderAssignment } from '../../../hardware/pcsc/reader-assignment.js';

const ACR_A = 'ACS ACR1252 1S CL Reader [ACR1252 Dual Reader PICC] 00 00';
const ACR_B = 'ACS ACR1252 1S CL Reader [ACR1252 Dual Reader PICC] 01 00';
const ACR_SAM = 'ACS ACR1252 1S CL Reader [ACR1252 Dual Reader SAM] 00 01';
const S300 = 'SONY FeliCa RC-S300/P 00 00';

describe('ReaderAssignment', () => {
  it('matches a substring of the reader name, ignoring case', () => {
    const a = new ReaderAssignment([
      { driver: 'pcsc', match: 'rc-s300', role: 'boarding' },
      { driver: 'pcsc', match: 'PICC', role: 'alighting' },
    ]);
    expect(a.attach(S300)).toBe('boarding');
    expect(a.attach(ACR_A)).toBe('alighting');
    expect(a.readerOf('boarding')).toBe(S300);
  });

  it("lets '' match any reader, first come first served, one reader per role", () => {
    const a = new ReaderAssignment([
      { match: '', role: 'boarding' },
      { match: '', role: 'alighting' },
    ]);
    expect(a.attach(ACR_A)).toBe('boarding');
    expect(a.attach(ACR_B)).toBe('alighting');
    expect(a.attach(S300)).toBeNull();
    expect(a.roles()).toEqual(['boarding', 'alighting']);
  });

  it('keeps a SAM slot out when the match names the PICC interface', () => {
    const a = new ReaderAssignment([{ match: 'picc', role: 'boarding' }]);
    expect(a.attach(ACR_SAM)).toBeNull();
    expect(a.attach(ACR_A)).toBe('boarding');
  });

  it('ignores entries of other drivers', () => {
    const a = new ReaderAssignment([
      { driver: 'sim', match: '', role: 'boarding' },
      { driver: 'pcsc', match: '', role: 'alighting' },
    ]);
    expect(a.roles()).toEqual(['alighting']);
    expect(a.attach(ACR_A)).toBe('alighting');
  });

  it('keeps bindings sticky and hands a freed role to a waiting reader that matches', () => {
    const a = new ReaderAssignment([
      { match: '00 00', role: 'boarding' },
      { match: 'picc', role: 'alighting' },
    ]);
    expect(a.attach(ACR_B)).toBe('alighting');
    expect(a.attach(ACR_A)).toBe('boarding');
    const spare = 'Spare PICC 02 00';
    expect(a.attach(spare)).toBeNull();
    expect(a.detach(ACR_A)).toEqual({ role: 'boarding', successor: null }); // spare does not match '00 00'
    expect(a.detach(ACR_B)).toEqual({ role: 'alighting', successor: spare });
    expect(a.roleOf(spare)).toBe('alighting');
    expect(a.detach('never seen')).toEqual({ role: null, successor: null });
  });

  it('returns the same role when a reader is announced twice', () => {
    const a = new ReaderAssignment([{ match: '', role: 'boarding' }]);
    expect(a.attach(ACR_A)).toBe('boarding');
    expect(a.attach(ACR_A)).toBe('boarding');
  });
});

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, and starts over after reset', () => {
    const b = new Backoff(100, 1000);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    b.reset();
    expect(b.next()).toBe(100);
  });
});
