/**
 * The PC/SC binding is optional (issue 11): nfc-pcsc is loaded by loadNfcPcsc() only, on the
 * adapter's first start, and a binding that cannot load is a PcscUnavailableError whose one line
 * says what to install. Here the loader is handed a failing import; the real thing (a hidden
 * binding in a private mount namespace) is test/system/pcsc-binding-missing.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  loadNfcPcsc,
  type NfcFactory,
  PcscCardReader,
  PcscUnavailableError,
} from '../../../hardware/pcsc/index.js';
import type { Nfc } from '../../../hardware/pcsc/nfc-pcsc.js';
import { FakeClock } from '../../../simulator/fakes/fake-clock.js';
import { FakeNfc } from './fake-nfc.js';

/** The errors Node gives for each way the binding can be missing. */
function packageMissing(): Error {
  return Object.assign(new Error("Cannot find package '/srv/teiki/node_modules/nfc-pcsc/index.js'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}
function nativeMissing(): Error {
  // What `bindings` throws when @pokusew/pcsclite has no build/Release/pcsclite.node.
  return new Error('Could not locate the bindings file. Tried:\n → /srv/teiki/node_modules/…');
}

function reader(loadBinding: () => Promise<NfcFactory>): PcscCardReader {
  return new PcscCardReader({
    readers: [{ driver: 'pcsc', match: 'PICC', role: 'boarding' }],
    clock: new FakeClock(0),
    reconnect: { initialMs: 5, maxMs: 5 },
    probe: async () => true,
    loadBinding,
  });
}

describe('loading the optional PC/SC binding', () => {
  it('says to npm install when npm left the package out (its compile failed)', async () => {
    const cause = packageMissing();
    const err = await loadNfcPcsc(() => Promise.reject(cause)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcscUnavailableError);
    const e = err as PcscUnavailableError;
    expect(e.message).toBe(
      'the PC/SC binding is not installed: apt-get install libpcsclite-dev pcscd, then npm install ' +
        '(npm left nfc-pcsc out when it could not compile)',
    );
    expect(e.packageMissing).toBe(true);
    expect(e.cause).toBe(cause);
  });

  it('says to npm rebuild when the package is there but its native binary is not', async () => {
    const err = await loadNfcPcsc(() => Promise.reject(nativeMissing())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcscUnavailableError);
    expect((err as Error).message).toBe(
      'the PC/SC binding is not installed: apt-get install libpcsclite-dev pcscd, then npm rebuild',
    );
    expect((err as Error).message).not.toContain('\n');
  });

  it('imports nfc-pcsc by its package name and builds NFC roots from its CommonJS exports', async () => {
    const asked: string[] = [];
    const create = await loadNfcPcsc(async (specifier) => {
      asked.push(specifier);
      return { default: { NFC: FakeNfc } }; // how Node hands a CommonJS module to import()
    });
    expect(asked).toEqual(['nfc-pcsc']);
    const a: Nfc = create();
    expect(a).toBeInstanceOf(FakeNfc);
    expect(create()).not.toBe(a); // a fresh PC/SC context each time
  });

  it('refuses a module without NFC as unavailable, not as a crash later', async () => {
    await expect(loadNfcPcsc(async () => ({ default: {} }))).rejects.toBeInstanceOf(PcscUnavailableError);
  });
});

describe('PcscCardReader and the binding', () => {
  it('loads nothing until started, then once', async () => {
    let loads = 0;
    const r = reader(async () => {
      loads++;
      return () => new FakeNfc();
    });
    expect(loads).toBe(0);
    await r.start();
    expect(r.contextState).toBe('open');
    await r.stop();
    await r.start();
    expect(loads).toBe(1);
    await r.stop();
  });

  it('fails start() with PcscUnavailableError and stays stopped, with no retry scheduled', async () => {
    let loads = 0;
    const r = reader(async () => {
      loads++;
      throw new PcscUnavailableError(nativeMissing());
    });
    await expect(r.start()).rejects.toBeInstanceOf(PcscUnavailableError);
    expect(r.contextState).toBe('stopped');
    await new Promise((res) => setTimeout(res, 30)); // six back-off periods
    expect(loads).toBe(1);
    expect(r.health()).toEqual([{ reader: 'boarding', name: null, state: 'disconnected' }]);
  });

  it('does not open a context when stop() comes while the binding is still loading', async () => {
    let release: (f: NfcFactory) => void = () => {};
    const created: FakeNfc[] = [];
    const r = reader(
      () =>
        new Promise<NfcFactory>((res) => {
          release = res;
        }),
    );
    const starting = r.start();
    await r.stop();
    release(() => {
      const n = new FakeNfc();
      created.push(n);
      return n;
    });
    await starting;
    expect(r.contextState).toBe('stopped');
    expect(created).toHaveLength(0);
  });
});
