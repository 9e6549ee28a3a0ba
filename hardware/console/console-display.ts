/**
 * The console driver of the driver display (`display.driver: "console"`): one readable block per
 * verdict on a text stream (stderr by default, so stdout stays JSON log lines). Also the passenger
 * signal, printed as the tone the buzzer would make.
 */
import type { Writable } from 'node:stream';
import type {
  DisplayObserver,
  DriverDisplay,
  StatusLine,
  VerdictScreen,
  VerdictTone,
} from '../ports/driver-display.js';
import type { PassengerSignal, SignalObserver } from '../ports/passenger-signal.js';

const TONE_TEXT: Record<VerdictTone, string> = {
  accept: 'ピッ',
  reject: 'ピピピー',
  attention: 'ピポーン',
};
const COLOUR: Record<VerdictTone, string> = { accept: '\x1b[32m', reject: '\x1b[31m', attention: '\x1b[33m' };

export class ConsoleDisplay implements DriverDisplay, PassengerSignal {
  readonly #out: Writable;
  readonly #colour: boolean;
  readonly #observers = new Set<DisplayObserver & SignalObserver>();
  #closed = false;

  constructor(out: Writable, opts: { colour?: boolean } = {}) {
    this.#out = out;
    this.#colour = opts.colour ?? false;
    out.on('error', (err) => {
      for (const o of this.#observers) o.onError(err);
    });
  }

  showVerdict(s: VerdictScreen): void {
    const parts = [
      `[${s.reader === 'alighting' ? '降車' : '乗車'}] ${s.headline}`,
      s.kind ? `${s.kind}` : null,
      s.validUntil ? `有効期限 ${s.validUntil}` : null,
      s.fare !== null ? `運賃 ¥${s.fare}` : null,
      s.excess !== null ? `差額 ¥${s.excess}` : null,
      s.card,
    ].filter(Boolean);
    this.#write(parts.join(' | '), s.tone);
  }

  showStatus(s: StatusLine): void {
    const readers = s.readers.map((r) => `${r.reader}:${r.state}`).join(' ');
    const list =
      s.listVersion === null ? 'リストなし' : `リスト v${s.listVersion}${s.listStale ? ' (期限切れ)' : ''}`;
    this.#write(
      `状態 ${list} | 通信 ${s.link} | ${readers}${s.alarms.length ? ` | ${s.alarms.join(' ')}` : ''}`,
    );
  }

  play(tone: VerdictTone): void {
    this.#write(`♪ ${TONE_TEXT[tone]}`, tone);
  }

  subscribe(observer: DisplayObserver & SignalObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #write(text: string, tone?: VerdictTone): void {
    if (this.#closed) return;
    const line = this.#colour && tone ? `${COLOUR[tone]}${text}\x1b[0m` : text;
    this.#out.write(`${line}\n`);
  }
}
