/**
 * The CardReader port's contract (hardware/ports/card-reader.ts), as one suite every
 * implementation must pass (STYLE.md #2, after MQTT.js's abstract_store): the fake runs it in
 * test/contract/card-reader.fake.test.ts, the PC/SC adapter on pcscd + vpcd in
 * test/system/pcsc-contract.test.ts. A driver says how to present cards to the reader under test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CardReader, ReaderRole } from '../../hardware/ports/card-reader.js';
import { CardRemovedError } from '../../hardware/ports/errors.js';
import { ReaderEvents, sleep } from '../helpers/reader-events.js';

export interface CardReaderDriver {
  /** The roles the reader under test is configured with (two, boarding first). */
  readonly roles: readonly [ReaderRole, ReaderRole];
  /** The longest a card event may take after the card is presented. */
  readonly eventWithinMs: number;
  /** How long to watch before concluding that nothing more arrives. */
  readonly quietMs: number;
  /** A fresh reader, not started. */
  create(): Promise<CardReader>;
  /** Presents a FeliCa card that answers GET DATA with `idm`, and leaves it there. */
  presentFelica(idm: string, role: ReaderRole): Promise<void>;
  /** Presents a card that is not FeliCa (MIFARE Classic). */
  presentForeign(role: ReaderRole): Promise<void>;
  /** Presents a FeliCa card that is taken away before it answers GET DATA. */
  presentPulledMidRead(idm: string, role: ReaderRole): Promise<void>;
  /** Takes away the card presented on `role`, if the driver has such a notion. */
  takeAway(role: ReaderRole): Promise<void>;
  /** After each test, once the reader is stopped. */
  cleanup(): Promise<void>;
}

export function describeCardReaderContract(name: string, makeDriver: () => CardReaderDriver): void {
  describe(`CardReader contract: ${name}`, () => {
    let driver: CardReaderDriver;
    let reader: CardReader;
    let ev: ReaderEvents;

    beforeEach(async () => {
      driver = makeDriver();
      reader = await driver.create();
      ev = ReaderEvents.attach(reader);
    });

    afterEach(async () => {
      await reader.stop();
      ev.detach();
      await driver.cleanup();
    });

    async function startConnected(): Promise<void> {
      await reader.start();
      for (const role of driver.roles) {
        if (reader.health().find((h) => h.reader === role)?.state !== 'connected') {
          await ev.waitForHealth('connected', role, driver.eventWithinMs);
        }
      }
    }

    it('reports every configured role as connected once started', async () => {
      await startConnected();
      expect(
        reader
          .health()
          .map((h) => [h.reader, h.state])
          .sort(),
      ).toEqual(driver.roles.map((r) => [r, 'connected']).sort());
      expect(ev.healths.filter((h) => h.state === 'connected').map((h) => h.reader)).toEqual(
        expect.arrayContaining([...driver.roles]),
      );
    });

    it('emits one felica event with the lowercase IDm, the FeliCa ATR and the role for a tap', async () => {
      await startConnected();
      const before = Date.now();
      await driver.presentFelica('0114B3A1C2D3E4F5', driver.roles[0]);
      const card = await ev.waitForCard(driver.eventWithinMs);
      expect(card).toMatchObject({ type: 'felica', idm: '0114b3a1c2d3e4f5', reader: driver.roles[0] });
      expect(card.atr).toMatch(/^3B8F8001804F0CA0000003061100/);
      expect(card.detectedAt).toBeGreaterThanOrEqual(before - 1000);
      await sleep(driver.quietMs);
      expect(ev.cards).toHaveLength(1);
    });

    it('names the role of the reader the card was presented to', async () => {
      await startConnected();
      await driver.presentFelica('0114b3a1c2d3e4f6', driver.roles[1]);
      expect(await ev.waitForCard(driver.eventWithinMs)).toMatchObject({ reader: driver.roles[1] });
    });

    it('emits a foreign event, never a felica one, for a card that is not FeliCa', async () => {
      await startConnected();
      await driver.presentForeign(driver.roles[0]);
      const card = await ev.waitForCard(driver.eventWithinMs);
      expect(card).toMatchObject({ type: 'foreign', reader: driver.roles[0] });
      expect(card.atr).toMatch(/^[0-9A-F]+$/);
      await sleep(driver.quietMs);
      expect(ev.cards.map((c) => c.type)).toEqual(['foreign']);
    });

    it('emits no card event for a card pulled away mid-read, at most a CardRemovedError', async () => {
      await startConnected();
      await driver.presentPulledMidRead('0114b3a1c2d3e4f5', driver.roles[0]);
      await sleep(driver.eventWithinMs);
      expect(ev.cards).toEqual([]);
      for (const err of ev.errors) expect(err).toBeInstanceOf(CardRemovedError);
    });

    it('reads the next tap after a card pulled away mid-read', async () => {
      await startConnected();
      await driver.presentPulledMidRead('0114b3a1c2d3e4f5', driver.roles[0]);
      await sleep(driver.quietMs);
      await driver.presentFelica('0114b3a1c2d3e4f6', driver.roles[0]);
      expect(await ev.waitForCard(driver.eventWithinMs)).toMatchObject({ idm: '0114b3a1c2d3e4f6' });
    });

    it('delivers nothing once stop() has resolved, and stop() may be called twice', async () => {
      await startConnected();
      await reader.stop();
      await reader.stop();
      const from = ev.mark();
      await driver.presentFelica('0114b3a1c2d3e4f5', driver.roles[0]);
      await driver.presentForeign(driver.roles[1]);
      await sleep(driver.eventWithinMs);
      expect(ev.log.slice(from)).toEqual([]);
    });

    it('stops delivering to an observer that unsubscribed', async () => {
      await startConnected();
      const other = ReaderEvents.attach(reader);
      other.detach();
      await driver.presentFelica('0114b3a1c2d3e4f5', driver.roles[0]);
      await ev.waitForCard(driver.eventWithinMs);
      expect(other.log).toEqual([]);
    });

    it('can be started again after a stop', async () => {
      await startConnected();
      await reader.stop();
      await startConnected();
      await driver.takeAway(driver.roles[0]);
      const from = ev.mark();
      await driver.presentFelica('0114b3a1c2d3e4f5', driver.roles[0]);
      expect(await ev.waitForCard(driver.eventWithinMs, from)).toMatchObject({ type: 'felica' });
    });
  });
}
