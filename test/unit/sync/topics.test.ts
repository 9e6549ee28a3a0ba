import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mosquittoAcl, syncIdentities } from '../../../sync/broker-acl.js';
import { isValidVehicleId, parseTopic, topics } from '../../../sync/topics.js';

describe('topics', () => {
  it('builds the documented tree under teiki/v1/', () => {
    expect(topics.manifest).toBe('teiki/v1/list/manifest');
    expect(topics.chunk(12, 0)).toBe('teiki/v1/list/chunk/12/0');
    expect(topics.chunksOf(12)).toBe('teiki/v1/list/chunk/12/+');
    expect(topics.delta(13)).toBe('teiki/v1/list/delta/13');
    expect(topics.status('bus-101')).toBe('teiki/v1/bus/bus-101/status');
    expect(topics.records('bus-101')).toBe('teiki/v1/bus/bus-101/records');
    expect(topics.ack('bus-101')).toBe('teiki/v1/bus/bus-101/ack');
    expect(topics.resync('bus-101')).toBe('teiki/v1/bus/bus-101/resync');
  });

  it('parses what it builds', () => {
    expect(parseTopic(topics.manifest)).toEqual({ kind: 'manifest' });
    expect(parseTopic(topics.chunk(12, 3))).toEqual({ kind: 'chunk', version: 12, index: 3 });
    expect(parseTopic(topics.delta(13))).toEqual({ kind: 'delta', version: 13 });
    for (const kind of ['status', 'records', 'ack', 'resync'] as const) {
      expect(parseTopic(topics[kind]('bus-7'))).toEqual({ kind, vehicle: 'bus-7' });
    }
  });

  it('ignores topics outside the tree and non-canonical numbers', () => {
    for (const t of [
      'teiki/v2/list/manifest',
      'teiki/v1/list/manifest/x',
      'teiki/v1/list/chunk/012/0',
      'teiki/v1/list/chunk/12/01',
      'teiki/v1/list/delta/0',
      'teiki/v1/list/delta/1e3',
      'teiki/v1/bus/bus-1/other',
      'teiki/v1/bus/bus+1/status',
    ]) {
      expect(parseTopic(t)).toBeNull();
    }
  });

  it('refuses vehicle ids that would break a topic or an ACL pattern', () => {
    for (const id of ['', 'a/b', 'bus+', 'bus#', ' bus', 'x'.repeat(65)]) {
      expect(isValidVehicleId(id)).toBe(false);
      expect(() => topics.status(id)).toThrow(RangeError);
    }
  });

  it('round-trips any valid vehicle id and version (property)', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/);
    fc.assert(fc.property(id, (v) => parseTopic(topics.records(v))?.kind === 'records'));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (v) => parseTopic(topics.delta(v))?.kind === 'delta'),
    );
  });

  it('writes an ACL that scopes each bus to its own topics by certificate CN', () => {
    const acl = mosquittoAcl(syncIdentities(['bus-101', 'bus-102']));
    expect(acl).toContain('user depot\ntopic readwrite teiki/v1/list/#');
    expect(acl).toContain(
      [
        'user bus-101',
        'topic read teiki/v1/list/#',
        'topic write teiki/v1/bus/bus-101/status',
        'topic write teiki/v1/bus/bus-101/records',
        'topic write teiki/v1/bus/bus-101/resync',
        'topic read teiki/v1/bus/bus-101/ack',
      ].join('\n'),
    );
    // No pattern lines (mosquitto warns for a pattern without %u or %c), no write on lists by a bus.
    expect(acl).not.toMatch(/^pattern/m);
    expect(acl.match(/^topic (write|readwrite) teiki\/v1\/list/gm)).toEqual([
      'topic readwrite teiki/v1/list',
    ]);
  });

  it('refuses a bus named like the depot, a name mosquitto could misread, and a name twice', () => {
    expect(() => mosquittoAcl(syncIdentities(['depot']))).toThrow(/reserved for the depot/);
    expect(() => mosquittoAcl(syncIdentities(['bus/1']))).toThrow(/not a valid name/);
    expect(() => mosquittoAcl(syncIdentities(['#']))).toThrow(/not a valid name/);
    expect(() => mosquittoAcl(syncIdentities(['bus-1', 'bus-1']))).toThrow(/listed twice/);
  });

  it('is the ACL printed in sync/README.md', () => {
    const readme = readFileSync(new URL('../../../sync/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(mosquittoAcl(syncIdentities(['bus-101', 'bus-102'])).trimEnd());
  });
});
