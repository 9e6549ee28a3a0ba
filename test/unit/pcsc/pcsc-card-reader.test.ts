/**
 * PcscCardReader against a fake nfc-pcsc: the quirks it must survive, deterministic and fast.
 * The same adapter on the real pcscd + vpcd stack: test/system/pcsc-reader.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CardReadError, PcscCardReader, type PcscCardReaderOptions } from '../../../hardware/pcsc/index.js';
import type { CardReaderObserver } from '../../../hardware/ports/card-reader.js';
import { CardRemovedError, ReaderGoneError } from '../../../hardware/ports/errors.js';
import { FakeClock } from '../../../simulator/fakes/fake-clock.js';
import { ReaderEvents, sleep } from '../../helpers/reader-events.js';
import { FakeNfc, type FakeNfcReader, MIFARE_ATR, namedError } from './fake-nfc.js';

const CLOCK_AT = Date.parse('2026-04-01T07:58:05+09:00');

interface Rig {
  reader: PcscCardReader;
  ev: ReaderEvents;
  nfcs: FakeNfc[];
  /** The latest NFC context. */
  nfc(): FakeNfc;
  probeUp: boolean;
  probes: number;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.reader.stop();
});

function rig(over: Partial<PcscCardReaderOptions> = {}): Rig {
  const r: Rig = {
    nfcs: [],
    nfc: () => {
      const last = r.nfcs.at(-1);
      if (!last) throw new Error('no NFC created');
      return last;
    },
    probeUp: true,
    probes: 0,
  } as unknown as Rig;
  r.reader = new PcscCardReader({
    readers: [
      { driver: 'pcsc', match: 'PICC 00', role: 'boarding' },
      { driver: 'sim', match: '', role: 'alighting' },
      { driver: 'pcsc', match: 'picc', role: 'alighting' },
    ],
    clock: new FakeClock(CLOCK_AT),
    readTimeoutMs: 100,
    stopDeadlineMs: 50,
    reconnect: { initialMs: 5, maxMs: 20 },
    createNfc: () => {
      const n = new FakeNfc();
      r.nfcs.push(n);
      return n;
    },
    probe: async () => {
      r.probes++;
      return r.probeUp;
    },
    ...over,
  });
  r.ev = ReaderEvents.attach(r.reader);
  rigs.push(r);
  return r;
}

async function started(): Promise<{ r: Rig; boarding: FakeNfcReader }> {
  const r = rig();
  await r.reader.start();
  const boarding = r.nfc().addReader('ACS ACR1252 1S CL Reader PICC 00 00');
  return { r, boarding };
}

describe('PcscCardReader (fake nfc-pcsc)', () => {
  it('turns nfc-pcsc autoProcessing off and reads the IDm itself with GET DATA', async () => {
    const { r, boarding } = await started();
    expect(boarding.autoProcessing).toBe(false);
    boarding.present();
    const card = await r.ev.waitForCard(500);
    expect(boarding.sent).toEqual(['ffca000000']);
    expect(card).toEqual({
      type: 'felica',
      idm: '0114b3a1c2d3e4f5',
      atr: '3B8F8001804F0CA00000030611003B0000000042',
      reader: 'boarding',
      detectedAt: CLOCK_AT,
    });
  });

  it('reports a non-FeliCa card as foreign without sending it anything', async () => {
    const { r, boarding } = await started();
    boarding.present(MIFARE_ATR);
    expect(await r.ev.waitForCard(500)).toMatchObject({
      type: 'foreign',
      atr: MIFARE_ATR.toString('hex').toUpperCase(),
    });
    expect(boarding.sent).toEqual([]);
  });

  it('survives a transmit() that throws synchronously, then reads the next card', async () => {
    const { r, boarding } = await started();
    boarding.transmitImpl = () => {
      throw namedError('TransmitError', 'No card or connection available.'); // src/Reader.js:291
    };
    boarding.present();
    expect(await r.ev.waitForError(500)).toBeInstanceOf(CardRemovedError);
    boarding.removeCard();
    boarding.transmitImpl = async () => Buffer.from('0114b3a1c2d3e4f69000', 'hex');
    boarding.present();
    expect(await r.ev.waitForCard(500)).toMatchObject({ idm: '0114b3a1c2d3e4f6' });
  });

  it('hears a connect error that nfc-pcsc emits as an event name, as a CardRemovedError', async () => {
    const { r, boarding } = await started();
    boarding.emitAsEventName(namedError('ConnectError', 'An error occurred while connecting.'));
    const err = await r.ev.waitForError(500);
    expect(err).toBeInstanceOf(CardRemovedError);
    expect(err).toMatchObject({ reader: 'boarding' });
    expect(r.ev.cards).toEqual([]);
  });

  it('stays quiet about a disconnect error emitted as an event name', async () => {
    const { r, boarding } = await started();
    boarding.emitAsEventName(namedError('DisconnectError'));
    await sleep(20);
    expect(r.ev.errors).toEqual([]);
  });

  it('releases the connection when nfc-pcsc reports a card with no ATR (removed while connecting)', async () => {
    const { r, boarding } = await started();
    boarding.present(null);
    expect(await r.ev.waitForError(500)).toBeInstanceOf(CardRemovedError);
    expect(boarding.disconnectCalls).toBe(1);
    expect(boarding.connection).toBeNull();
    expect(boarding.sent).toEqual([]);
  });

  it('reports an error status word as a CardReadError and no card', async () => {
    const { r, boarding } = await started();
    boarding.transmitImpl = async () => Buffer.from('6a81', 'hex');
    boarding.present();
    const err = await r.ev.waitForError(500);
    expect(err).toBeInstanceOf(CardReadError);
    expect(err).toMatchObject({ failure: 'status', sw: '6A81' });
    expect(r.ev.cards).toEqual([]);
  });

  it('reports an answer that is not an 8-byte IDm as malformed', async () => {
    const { r, boarding } = await started();
    boarding.transmitImpl = async () => Buffer.from('0102039000', 'hex');
    boarding.present();
    expect(await r.ev.waitForError(500)).toMatchObject({ failure: 'malformed' });
  });

  it('gives up after the read timeout, drops the late answer, and closes the reader only once it settles', async () => {
    const { r, boarding } = await started();
    let answer: (b: Buffer) => void = () => {};
    boarding.transmitImpl = () => new Promise<Buffer>((resolve) => (answer = resolve));
    boarding.present();
    const err = await r.ev.waitForError(500);
    expect(err).toMatchObject({ failure: 'timeout' });
    const stopping = r.reader.stop();
    await sleep(30);
    expect(boarding.closeCalls).toBe(0); // still inside the pool: closing would block the loop
    answer(Buffer.from('0114b3a1c2d3e4f59000', 'hex'));
    await stopping;
    expect(boarding.closeCalls).toBe(1);
    expect(r.ev.cards).toEqual([]);
  });

  it('reads a new card that arrives while the previous read is still pending', async () => {
    const { r, boarding } = await started();
    let calls = 0;
    boarding.transmitImpl = () => {
      calls++;
      if (calls === 1) return new Promise<Buffer>(() => {}); // the first card never answers
      return Promise.resolve(Buffer.from('0114b3a1c2d3e4f69000', 'hex'));
    };
    boarding.present();
    boarding.present();
    expect(await r.ev.waitForCard(500)).toMatchObject({ idm: '0114b3a1c2d3e4f6' });
  });

  it('reads a card that arrives while the previous card is still being disconnected', async () => {
    // nfc-pcsc's unawaited status handlers: the removal's SCardDisconnect is in flight when the
    // next card comes, so pcsclite skips SCardConnect and nfc-pcsc emits 'card' with no protocol.
    const { r, boarding } = await started();
    boarding.present();
    await r.ev.waitForCard(500);
    boarding.holdDisconnect = true;
    const mark = r.ev.mark();
    boarding.removeCard();
    boarding.transmitImpl = async () => Buffer.from('0114b3a1c2d3e4f69000', 'hex');
    boarding.present();
    expect(boarding.connection).toEqual({}); // what nfc-pcsc holds now: no protocol
    await sleep(10);
    expect(r.ev.cards).toHaveLength(1); // waiting for the disconnect, not failing the read
    boarding.releaseDisconnect();
    expect(await r.ev.waitForCard(500, mark)).toMatchObject({ type: 'felica', idm: '0114b3a1c2d3e4f6' });
    expect(r.ev.errors).toEqual([]);
    expect(boarding.connection).toEqual({ protocol: 2 });
    expect(boarding.connectCalls).toBe(3); // two cards, and the second one again
  });

  it('releases a connection whose disconnect failed, then reads the next card', async () => {
    const { r, boarding } = await started();
    boarding.present();
    await r.ev.waitForCard(500);
    boarding.failDisconnect = true; // the native reader stays connected: the next connect is skipped
    boarding.removeCard();
    boarding.transmitImpl = async () => Buffer.from('0114b3a1c2d3e4f69000', 'hex');
    const mark = r.ev.mark();
    boarding.present();
    expect(await r.ev.waitForCard(500, mark)).toMatchObject({ idm: '0114b3a1c2d3e4f6' });
    expect(boarding.disconnectCalls).toBe(2);
    expect(r.ev.errors).toEqual([]);
  });

  it('reads a card swapped in between two status reports, which nfc-pcsc does not report', async () => {
    const { r, boarding } = await started();
    boarding.present();
    await r.ev.waitForCard(500);
    boarding.transmitImpl = async () => Buffer.from('0114b3a1c2d3e4f69000', 'hex');
    const mark = r.ev.mark();
    boarding.swapCard(); // removal and insertion seen as one status: PRESENT, event count +2
    expect(await r.ev.waitForCard(500, mark)).toMatchObject({ type: 'felica', idm: '0114b3a1c2d3e4f6' });
    expect(r.ev.errors).toEqual([]);
    expect(boarding.disconnectCalls).toBe(1); // the old card's handle, released before connecting
    // A swap to a foreign card is reported as one, without sending it anything.
    const sent = boarding.sent.length;
    const mark2 = r.ev.mark();
    boarding.swapCard(MIFARE_ATR);
    expect(await r.ev.waitForCard(500, mark2)).toMatchObject({ type: 'foreign' });
    expect(boarding.sent.length).toBe(sent);
  });

  it('reports a reader that goes away, and hands its role to another matching reader', async () => {
    const { r, boarding } = await started();
    const second = r.nfc().addReader('Other Reader PICC 01 00'); // matches 'picc' → alighting
    const third = r.nfc().addReader('Spare PICC 00 02'); // matches both; both roles taken
    expect(r.reader.health().map((h) => `${h.reader}:${h.state}:${h.name}`)).toEqual([
      'boarding:connected:ACS ACR1252 1S CL Reader PICC 00 00',
      'alighting:connected:Other Reader PICC 01 00',
    ]);
    third.present();
    await sleep(20);
    expect(third.sent).toEqual([]); // a reader without a role is never read
    const from = r.ev.mark();
    boarding.emit('end');
    // The role never went dark: no alarm, just the new reader's name.
    expect(r.ev.log.slice(from).map((x) => x.kind)).toEqual(['health']);
    expect(r.reader.health()[0]).toMatchObject({
      reader: 'boarding',
      state: 'connected',
      name: 'Spare PICC 00 02',
    });
    second.emit('end');
    expect(r.reader.health()[1]).toMatchObject({ reader: 'alighting', state: 'disconnected' });
    expect(r.ev.errors.at(-1)).toBeInstanceOf(ReaderGoneError);
    expect(r.ev.errors.at(-1)).toMatchObject({ reader: 'alighting' });
    await sleep(5);
    expect(boarding.closeCalls).toBe(1);
  });

  it('reports a reader unplugged and plugged back in, and reads cards on it again', async () => {
    const { r, boarding } = await started();
    boarding.emit('end');
    expect(r.reader.health()[0]).toMatchObject({ reader: 'boarding', state: 'disconnected' });
    expect(r.ev.errors.at(-1)).toBeInstanceOf(ReaderGoneError);
    const back = r.nfc().addReader('ACS ACR1252 1S CL Reader PICC 00 00');
    expect(r.reader.health()[0]).toMatchObject({ reader: 'boarding', state: 'connected' });
    back.present();
    expect(await r.ev.waitForCard(500)).toMatchObject({ type: 'felica', reader: 'boarding' });
  });

  it('recreates the PC/SC context after a context error and reports health error, then connected', async () => {
    const { r } = await started();
    const from = r.ev.mark();
    r.nfc().emit('error', new Error('SCardGetStatusChange error: RPC transport error.(0x80100013)'));
    expect(r.reader.health().map((h) => h.state)).toEqual(['error', 'error']);
    await r.ev.waitFor((x) => x.kind === 'error' && x.error instanceof ReaderGoneError, 500, from);
    await sleep(50);
    expect(r.nfcs).toHaveLength(2);
    expect(r.nfcs[0]?.closeCalls).toBe(1);
    r.nfc().addReader('ACS ACR1252 1S CL Reader PICC 00 00');
    expect(r.reader.health()[0]).toMatchObject({ state: 'connected' });
  });

  it('recreates the context when one reader watcher fails', async () => {
    const { r, boarding } = await started();
    boarding.emit('error', new Error('SCardGetStatusChange error: Service was stopped.'));
    await sleep(50);
    expect(r.nfcs).toHaveLength(2);
  });

  it('ignores readers and errors of a context it already replaced', async () => {
    const { r } = await started();
    const old = r.nfc();
    old.emit('error', new Error('gone'));
    await sleep(50);
    const late = old.addReader('ACS ACR1252 1S CL Reader PICC 00 00');
    old.emit('error', new Error('again'));
    await sleep(50);
    expect(r.nfcs).toHaveLength(2);
    expect(late.autoProcessing).toBe(false);
    expect(late.closeCalls).toBe(1);
    expect(r.reader.health()[0]).toMatchObject({ state: 'disconnected' });
  });

  it('retries with a capped back-off while pcscd is away, without creating a context', async () => {
    const r = rig();
    r.probeUp = false;
    await r.reader.start();
    expect(r.reader.health().map((h) => h.state)).toEqual(['error', 'error']);
    await sleep(150);
    expect(r.nfcs).toHaveLength(0);
    expect(r.probes).toBeGreaterThanOrEqual(5); // 5, 10, 20, 20, 20 … ms
    r.probeUp = true;
    await sleep(60);
    expect(r.nfcs).toHaveLength(1);
    expect(r.reader.health().map((h) => h.state)).toEqual(['disconnected', 'disconnected']);
  });

  it('retries when creating the context throws', async () => {
    let calls = 0;
    const r = rig({
      createNfc: () => {
        calls++;
        if (calls === 1) throw new Error('SCardEstablishContext: Service not available.');
        const n = new FakeNfc();
        r.nfcs.push(n);
        return n;
      },
    });
    await r.reader.start();
    expect(r.reader.contextState).toBe('waiting-retry');
    await sleep(40);
    expect(r.reader.contextState).toBe('open');
  });

  it('delivers nothing after stop(), closes the context once, and stops twice without harm', async () => {
    const { r, boarding } = await started();
    await r.reader.stop();
    await r.reader.stop();
    const from = r.ev.mark();
    boarding.present();
    r.nfc().emit('error', new Error('late'));
    await sleep(30);
    expect(r.ev.log.slice(from)).toEqual([]);
    expect(r.nfc().closeCalls).toBe(1);
    expect(boarding.closeCalls).toBe(1);
    expect(r.reader.contextState).toBe('stopped');
  });

  it('keeps working when an observer throws', async () => {
    const { r, boarding } = await started();
    const thrower: CardReaderObserver = {
      onCard: () => {
        throw new Error('observer bug');
      },
      onHealth: () => {},
      onError: () => {},
    };
    r.reader.subscribe(thrower);
    boarding.present();
    await r.ev.waitForCard(500);
    boarding.removeCard();
    boarding.present();
    await r.ev.waitFor((x) => x.kind === 'card' && r.ev.cards.length === 2, 500);
  });
});
