/**
 * tap_to_display_ms: through pcscd + vpcd + the virtual card + nfc-pcsc (our adapter) + the tap
 * pipeline (1,000,000-pass list, durable record commit) + the serial display on a socat pty, from
 * the moment the card hands its IDm answer to vpcd until the VERDICT frame's last byte is written
 * (serialport drain). Next to it, raw_card_event_ms: on the same stack, a bare nfc-pcsc reader with
 * its own autoProcessing (it sends GET DATA itself) from the same answer to its `card` event.
 * Both clocks are process.hrtime in this one process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RULE_SETTINGS } from '../../device/config/rules-schema.js';
import { silentLogger } from '../../device/log/logger.js';
import { TapPipeline } from '../../device/pipeline/tap-pipeline.js';
import { ListStore } from '../../device/store/list-store.js';
import { RecordStore } from '../../device/store/record-store.js';
import { loadNfcPcsc, PcscCardReader } from '../../hardware/pcsc/index.js';
import { SerialDisplay } from '../../hardware/serial/index.js';
import { systemClock } from '../../hardware/system-clock.js';
import { attachDisplayUnit } from '../../simulator/display-unit/attach.js';
import { generatedIdm } from '../../simulator/generate-passes.js';
import { felicaCard } from '../../simulator/vpcd/virtual-card.js';
import { VirtualCardSlot } from '../../simulator/vpcd/virtual-card-slot.js';
import { startPcscd, VPCD_PORTS, VPCD_READERS } from '../helpers/pcscd.js';
import { disposeAllPtys, openPtyPair } from '../helpers/pty.js';
import { SEED } from './list-fixture.js';
import { type Dist, dist } from './stats.js';

export interface TapToDisplayResult {
  tap_to_display_ms: Dist;
  raw_card_event_ms: Dist;
  tap_minus_raw_p99_ms: number;
}

const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
const WARM_UP = 5;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

async function rawCardEvents(
  slot: VirtualCardSlot,
  taps: number,
  log: (m: string) => void,
): Promise<number[]> {
  // The bare library, as nfc-pcsc's README uses it: autoProcessing (its default) reads the UID.
  const nfc = (await loadNfcPcsc())();
  let last = 0n;
  const samples: number[] = [];
  let resolveCard: (() => void) | null = null;
  let counting = false;
  nfc.on('error', () => {});
  nfc.on('reader', (reader) => {
    reader.on('error', () => {});
    if (!reader.name.includes(VPCD_READERS[0])) return;
    reader.on('card', () => {
      if (counting) samples.push(ms(last, process.hrtime.bigint()));
      resolveCard?.();
    });
  });
  const off = slot.onAnswered((a) => {
    last = a.hr;
  });
  await sleep(1000);
  for (let i = -WARM_UP; i < taps; i++) {
    const seen = new Promise<void>((r) => {
      resolveCard = r;
    });
    counting = i >= 0;
    await slot.insert(felicaCard(generatedIdm(i + WARM_UP, SEED)));
    await Promise.race([seen, sleep(5000)]);
    await slot.remove();
  }
  off();
  log(`raw: ${samples.length} card events`);
  nfc.close();
  return samples;
}

export async function benchTapToDisplay(
  listDb: string,
  passes: number,
  taps: number,
  log: (m: string) => void,
): Promise<TapToDisplayResult> {
  const pcscd = await startPcscd();
  const pty = await openPtyPair();
  const dir = mkdtempSync(join(tmpdir(), 'teiki-bench-tap-'));
  const slot = new VirtualCardSlot({ port: VPCD_PORTS[0] });
  try {
    const list = ListStore.open(listDb);
    const records = RecordStore.open(join(dir, 'records.sqlite'), 'bench');
    const unit = await attachDisplayUnit(pty.b, { encoding: 'utf-8' });
    const display = new SerialDisplay({
      path: pty.a,
      baud: 115200,
      encoding: 'utf-8',
      ackTimeoutMs: 200,
      maxRetries: 3,
      queueLimit: 8,
      clock: systemClock,
    });
    await display.open();
    const pipeline = new TapPipeline({
      vehicle: { id: 'bench', operator: 'matsue-city' },
      settings: { ...DEFAULT_RULE_SETTINGS, duplicate_window_s: 0 },
      clock: { now: () => Date.parse('2026-04-15T08:00:00+09:00') },
      passes: list,
      network: list.network,
      records,
      display,
      signal: display,
      currentStop: () => ({ route_id: '81', stop_id: 'matsue-sta', at: 0 }),
      logger: silentLogger(),
    });
    const reader = new PcscCardReader({
      readers: [{ driver: 'pcsc', match: VPCD_READERS[0], role: 'boarding' }],
      clock: systemClock,
    });
    let answeredAt = 0n;
    let waiting: ((t: bigint) => void) | null = null;
    slot.onAnswered((a) => {
      answeredAt = a.hr;
    });
    display.watch({
      frameWritten: (e) => {
        if (e.type === 'VERDICT' || e.type === 'verdict') waiting?.(process.hrtime.bigint());
      },
    });
    // BENCH_DETAIL=1: per tap, card answer → card event → pipeline done (record committed) → frame.
    let cardAt = 0n;
    let handledAt = 0n;
    const detail: string[] = [];
    reader.subscribe({
      onCard: (event) => {
        cardAt = process.hrtime.bigint();
        pipeline.handle(event);
        handledAt = process.hrtime.bigint();
      },
      onHealth: () => {},
      onError: () => {},
    });
    await reader.start();
    await sleep(1000);
    const samples: number[] = [];
    // The first WARM_UP taps warm the JIT, the reader and the display link; they are not counted.
    for (let i = -WARM_UP; i < taps; i++) {
      const written = new Promise<bigint>((r) => {
        waiting = r;
      });
      await slot.insert(felicaCard(generatedIdm(((i + WARM_UP) * 7919) % passes, SEED)));
      const t = await Promise.race([written, sleep(5000).then(() => null)]);
      if (t !== null && i >= 0) {
        samples.push(ms(answeredAt, t));
        if (process.env.BENCH_DETAIL)
          detail.push(
            [ms(answeredAt, cardAt), ms(cardAt, handledAt), ms(handledAt, t), ms(answeredAt, t)]
              .map((x) => x.toFixed(2))
              .join('/'),
          );
      }
      await slot.remove();
    }
    log(`pipeline: ${samples.length} verdict frames`);
    if (detail.length > 0) log(`answer→event/pipeline/→frame/total ms: ${detail.join(' ')}`);
    await reader.stop();
    await display.close();
    await unit.close();
    records.close();
    list.close();

    const raw = await rawCardEvents(slot, taps, log);
    const tap = dist(samples, 3);
    const rawDist = dist(raw, 3);
    return {
      tap_to_display_ms: tap,
      raw_card_event_ms: rawDist,
      tap_minus_raw_p99_ms: Math.round((tap.p99 - rawDist.p99) * 1000) / 1000,
    };
  } finally {
    await slot.close();
    await disposeAllPtys();
    await pcscd.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
