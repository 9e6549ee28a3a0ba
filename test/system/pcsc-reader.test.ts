/**
 * The PC/SC adapter on the real stack: pcscd + vsmartcard vpcd + the virtual FeliCa card +
 * nfc-pcsc/@pokusew/pcsclite. Two virtual readers: "Virtual PCD 00 00" is boarding, "… 00 01"
 * alighting. vpcd notices a card within one pcscd poll (400 ms), so waits are a few seconds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CardReadError, PcscCardReader } from '../../hardware/pcsc/index.js';
import { CardRemovedError, ReaderGoneError } from '../../hardware/ports/errors.js';
import { systemClock } from '../../hardware/system-clock.js';
import { ISO14443_4_ATR } from '../../simulator/vpcd/card-atrs.js';
import { felicaCard, foreignCard } from '../../simulator/vpcd/virtual-card.js';
import { type SlotEvent, VirtualCardSlot } from '../../simulator/vpcd/virtual-card-slot.js';
import { PCSCD_HOOK_TIMEOUT_MS, type Pcscd, startPcscd, VPCD_PORTS, VPCD_READERS } from '../helpers/pcscd.js';
import { ReaderEvents, sleep } from '../helpers/reader-events.js';

const IDM = '0114B3A1C2D3E4F5';
const IDM2 = '0114b3a1c2d3e4f6';
/** One pcscd poll (400 ms) to see the card, plus connect and read. */
const SEEN_MS = 3000;
const READ_TIMEOUT_MS = 500;
const CARD_CLI = resolve(import.meta.dirname, '../../dist/simulator/vpcd/cli.js');

let pcscd: Pcscd;
let boarding: VirtualCardSlot;
let alighting: VirtualCardSlot;
let reader: PcscCardReader;
let ev: ReaderEvents;
let apdus: string[];

beforeAll(async () => {
  pcscd = await startPcscd();
}, PCSCD_HOOK_TIMEOUT_MS);
afterAll(async () => {
  if (process.env.PCSC_DEBUG) console.log(pcscd?.logs());
  await pcscd?.close();
});

const debugLogger = {
  debug: (o: object, m?: string) => console.log(Date.now() % 100000, 'debug', m, o),
  info: (o: object, m?: string) => console.log('info', m, o),
  warn: (o: object, m?: string) => console.log('warn', m, o),
  error: (o: object, m?: string) => console.log('error', m, o),
};

function newReader(): PcscCardReader {
  return new PcscCardReader({
    readers: [
      { driver: 'pcsc', match: VPCD_READERS[0], role: 'boarding' },
      { driver: 'pcsc', match: 'virtual pcd 00 01', role: 'alighting' },
    ],
    clock: systemClock,
    readTimeoutMs: READ_TIMEOUT_MS,
    ...(process.env.PCSC_DEBUG ? { logger: debugLogger } : {}),
  });
}

async function startConnected(): Promise<void> {
  const from = ev.mark();
  await reader.start();
  await ev.waitForHealth('connected', 'boarding', 5000, from);
  await ev.waitForHealth('connected', 'alighting', 5000, from);
}

beforeEach(async () => {
  if (!pcscd.running) await pcscd.start();
  boarding = new VirtualCardSlot({ port: VPCD_PORTS[0] });
  alighting = new VirtualCardSlot({ port: VPCD_PORTS[1] });
  apdus = [];
  boarding.onEvent((e: SlotEvent) => {
    if (e.type === 'apdu') apdus.push(e.detail ?? '');
  });
  if (process.env.PCSC_DEBUG) {
    boarding.onEvent((e) => console.log(Date.now() % 100000, 'boarding slot', e.type, e.detail ?? ''));
    alighting.onEvent((e) => console.log(Date.now() % 100000, 'alighting slot', e.type, e.detail ?? ''));
  }
  reader = newReader();
  ev = ReaderEvents.attach(reader);
});

afterEach(async () => {
  await boarding.close();
  await alighting.close();
  await reader.stop();
  ev.detach();
});

describe('PcscCardReader on pcscd + vpcd', () => {
  it('reads the IDm of a FeliCa card once, in lowercase, with the FeliCa ATR and the role', async () => {
    await startConnected();
    const before = Date.now();
    await boarding.insert(felicaCard(IDM));
    const card = await ev.waitForCard(SEEN_MS);
    expect(card).toEqual({
      type: 'felica',
      idm: IDM.toLowerCase(),
      atr: '3B8F8001804F0CA00000030611003B0000000042',
      reader: 'boarding',
      detectedAt: expect.any(Number),
    });
    expect(card.detectedAt).toBeGreaterThanOrEqual(before);
    expect(apdus).toEqual(['ffca000000']);
    await sleep(1000); // the card stays: still one event
    expect(ev.cards).toHaveLength(1);
  });

  it('tells the alighting reader from the boarding one', async () => {
    await startConnected();
    await alighting.insert(felicaCard(IDM2));
    expect(await ev.waitForCard(SEEN_MS)).toMatchObject({ type: 'felica', idm: IDM2, reader: 'alighting' });
    const from = ev.mark();
    await boarding.insert(felicaCard(IDM));
    const second = await ev.waitForCard(SEEN_MS, from);
    expect(second).toMatchObject({ idm: IDM.toLowerCase(), reader: 'boarding' });
  });

  it('reports a MIFARE Classic card as foreign without sending it any APDU', async () => {
    await startConnected();
    await boarding.insert(foreignCard());
    const card = await ev.waitForCard(SEEN_MS);
    expect(card).toMatchObject({ type: 'foreign', reader: 'boarding' });
    expect(card.atr).toBe('3B8F8001804F0CA000000306030001000000006A');
    expect(apdus).toEqual([]);
    expect(ev.errors).toEqual([]);
  });

  it('reports an ISO 14443-4 card (a phone, an EMV card) as foreign', async () => {
    await startConnected();
    await boarding.insert(foreignCard(ISO14443_4_ATR));
    expect(await ev.waitForCard(SEEN_MS)).toMatchObject({ type: 'foreign', atr: '3B80800101' });
  });

  it('gives no card event for a card pulled away mid-read, and reads the next tap', async () => {
    await startConnected();
    await boarding.insert(felicaCard(IDM, { kind: 'pull' }));
    const err = await ev.waitForError(SEEN_MS);
    expect(err).toBeInstanceOf(CardRemovedError);
    expect((err as CardRemovedError).reader).toBe('boarding');
    await sleep(500);
    expect(ev.cards).toEqual([]);
    await boarding.insert(felicaCard(IDM2));
    expect(await ev.waitForCard(SEEN_MS)).toMatchObject({ type: 'felica', idm: IDM2 });
  });

  it('reports an error status word as a CardReadError, and reads the next card', async () => {
    await startConnected();
    await boarding.insert(felicaCard(IDM, { kind: 'status', sw: '6A81' }));
    const err = await ev.waitForError(SEEN_MS);
    expect(err).toBeInstanceOf(CardReadError);
    expect(err).toMatchObject({ failure: 'status', sw: '6A81', reader: 'boarding' });
    expect(ev.cards).toEqual([]);
    await boarding.insert(felicaCard(IDM2)); // replaces (removes) the bad card
    expect(await ev.waitForCard(SEEN_MS)).toMatchObject({ type: 'felica', idm: IDM2 });
  });

  it('gives up on a card that never answers after the read timeout, and reads the next tap', async () => {
    await startConnected();
    await boarding.insert(felicaCard(IDM, { kind: 'hang' }));
    const hangFrom = Date.now();
    await ev.waitFor((r) => r.kind === 'card' || r.kind === 'error', SEEN_MS);
    const err = ev.errors[0];
    expect(err).toBeInstanceOf(CardReadError);
    expect(err).toMatchObject({ failure: 'timeout' });
    expect(Date.now() - hangFrom).toBeLessThan(READ_TIMEOUT_MS + 2000);
    await boarding.insert(felicaCard(IDM2));
    expect(await ev.waitForCard(SEEN_MS)).toMatchObject({ type: 'felica', idm: IDM2 });
    expect(ev.cards).toHaveLength(1);
  });

  it('reconnects after pcscd restarts and reads the next tap within 5 s of pcscd being back', async () => {
    await startConnected();
    await boarding.insert(felicaCard(IDM));
    await ev.waitForCard(SEEN_MS);
    await boarding.remove();
    const from = ev.mark();
    await pcscd.restart();
    const back = Date.now();
    await boarding.insert(felicaCard(IDM2));
    const card = await ev.waitForCard(5000, from);
    expect(card).toMatchObject({ type: 'felica', idm: IDM2, reader: 'boarding' });
    expect(Date.now() - back).toBeLessThan(5000);
    const states = ev.healths.slice().map((h) => `${h.reader}=${h.state}`);
    expect(states).toContain('boarding=error');
    expect(ev.log.slice(from).some((r) => r.kind === 'error' && r.error instanceof ReaderGoneError)).toBe(
      true,
    );
    expect(reader.health().map((h) => h.state)).toEqual(['connected', 'connected']);
  });

  it('starts while pcscd is down and is usable within 5 s of pcscd starting', async () => {
    await pcscd.stop();
    await reader.start();
    expect(reader.health().map((h) => h.state)).toEqual(['error', 'error']);
    await sleep(1500); // a few back-off rounds
    await pcscd.start();
    const back = Date.now();
    await boarding.insert(felicaCard(IDM));
    expect(await ev.waitForCard(5000)).toMatchObject({ type: 'felica', idm: IDM.toLowerCase() });
    expect(Date.now() - back).toBeLessThan(5000);
  });

  it('reads a card again after its TCP connection to vpcd drops and comes back', async () => {
    await startConnected();
    await boarding.insert(felicaCard(IDM));
    await ev.waitForCard(SEEN_MS);
    const from = ev.mark();
    await boarding.dropConnection();
    // vpcd sees the card leave and come back: a new presentation, read again.
    const again = await ev.waitForCard(SEEN_MS, from);
    expect(again).toMatchObject({ type: 'felica', idm: IDM.toLowerCase(), reader: 'boarding' });
    expect(boarding.state).toBe('connected');
  });

  it('reads a card left on the reader across a pcscd restart once pcscd is back', async () => {
    await startConnected();
    await boarding.insert(felicaCard(IDM));
    await ev.waitForCard(SEEN_MS);
    const from = ev.mark();
    await pcscd.restart();
    expect(await ev.waitForCard(5000, from)).toMatchObject({ type: 'felica', idm: IDM.toLowerCase() });
  });

  it('tells when the virtual card answered the IDm read, before the card event', async () => {
    await startConnected();
    const answered: number[] = [];
    boarding.onAnswered((a) => answered.push(a.at));
    await boarding.insert(felicaCard(IDM));
    const card = await ev.waitForCard(SEEN_MS);
    const eventAt = ev.log.find((r) => r.kind === 'card')?.at ?? 0;
    expect(answered).toHaveLength(1);
    expect(answered[0]).toBeGreaterThanOrEqual(card.detectedAt);
    expect(answered[0]).toBeLessThanOrEqual(eventAt);
  });

  it('reads a card placed by the vpcd-card CLI, which prints when it answered', async () => {
    await startConnected();
    const child = spawn(process.execPath, [CARD_CLI, '--idm', IDM2, '--hold', '1500', '--slot', '1']);
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    expect(await ev.waitForCard(SEEN_MS)).toMatchObject({ type: 'felica', idm: IDM2, reader: 'alighting' });
    expect(await exited).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; idm?: string; at?: number });
    expect(lines.find((l) => l.event === 'answered')).toMatchObject({ idm: IDM2, at: expect.any(Number) });
    const help = spawnSync(process.execPath, [CARD_CLI, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--idm');
  });

  it('stops promptly while a card hangs, and delivers nothing afterwards', async () => {
    await startConnected();
    await boarding.insert(felicaCard(IDM, { kind: 'hang' }));
    await sleep(800); // the GET DATA is now blocked inside pcscd
    const t = Date.now();
    await reader.stop();
    expect(Date.now() - t).toBeLessThan(3000);
    const from = ev.mark();
    await boarding.remove(); // unblocks the native transmit
    await alighting.insert(felicaCard(IDM2));
    await sleep(1500);
    expect(ev.log.slice(from)).toEqual([]);
    await reader.stop(); // idempotent
  });
});
