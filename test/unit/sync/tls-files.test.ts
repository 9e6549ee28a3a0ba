import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mosquittoConf, parseListen } from '../../../sync/tls/broker-config.js';
import { canonicalName } from '../../../sync/tls/certificate.js';
import type { OpensslRunner } from '../../../sync/tls/openssl.js';
import { initTls, TlsSetupError } from '../../../sync/tls/tls-setup.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Fails the test if anything reaches openssl: these inputs must be refused before. */
const noOpenssl: OpensslRunner = async (args) => {
  throw new Error(`openssl ${args[0]} ran`);
};

describe('the TLS directory pieces', () => {
  it('reads a listener as port, address:port or [v6]:port, and nothing else', () => {
    expect(parseListen('8883')).toEqual({ port: 8883 });
    expect(parseListen('127.0.0.1:18883')).toEqual({ port: 18883, address: '127.0.0.1' });
    expect(parseListen('[::1]:8883')).toEqual({ port: 8883, address: '::1' });
    for (const bad of ['', '0', '70000', 'host:', 'a b:1', '8883\nuser root'])
      expect(parseListen(bad)).toBeNull();
  });

  it('writes a whole mosquitto.conf that requires client certificates and names the ACL', () => {
    const conf = mosquittoConf({
      listen: { port: 8883 },
      brokerDir: '/etc/mosquitto/teiki',
      persistenceDir: '/var/lib/mosquitto',
    });
    const lines = conf.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([
      'persistence true',
      'persistence_location /var/lib/mosquitto/',
      'autosave_interval 60',
      'listener 8883',
      'cafile /etc/mosquitto/teiki/teiki-ca.crt',
      'certfile /etc/mosquitto/teiki/broker.crt',
      'keyfile /etc/mosquitto/teiki/broker.key',
      'require_certificate true',
      'use_identity_as_username true',
      'allow_anonymous false',
      'acl_file /etc/mosquitto/teiki/acl',
    ]);
  });

  it('compares IPv6 names as the certificate prints them', () => {
    expect(canonicalName('::1')).toBe('0:0:0:0:0:0:0:1');
    expect(canonicalName('2001:DB8::0a:1')).toBe('2001:db8:0:0:0:0:a:1');
    expect(canonicalName('Broker.Example.JP')).toBe('broker.example.jp');
  });
});

describe('teiki depot tls init refuses bad options before making anything', () => {
  const out = () => {
    const d = mkdtempSync(join(tmpdir(), 'teiki-tls-files-'));
    dirs.push(d);
    return join(d, 'tls');
  };
  const refused = (options: Parameters<typeof initTls>[0]) => initTls(options, noOpenssl);

  it.each([
    [{ brokerHosts: ['bad host'] }, /--broker-host "bad host" is neither a host name nor an IP address/],
    [{ brokerHosts: ['a,DNS:evil'] }, /--broker-host/],
    [{ listen: '8883 extra' }, /--listen "8883 extra" must be PORT or ADDRESS:PORT/],
    [{ brokerDir: '/etc/mosquitto\nuser root' }, /--broker-dir .* must be an absolute path/],
    [{ persistenceDir: 'var/lib' }, /--persistence-dir "var\/lib" must be an absolute path/],
    [{ persistenceDir: '/x\nuser root' }, /--persistence-dir .* must be an absolute path/],
    [{ buses: ['depot'] }, /vehicle id "depot" is reserved/],
    [{ buses: ['bus 1'] }, /vehicle id "bus 1" is not valid/],
  ])('%o', async (options, message) => {
    const err = await refused({ out: out(), ...options }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsSetupError);
    expect((err as Error).message).toMatch(message);
  });
});
