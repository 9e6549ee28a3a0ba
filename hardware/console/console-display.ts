/**
 * The console driver of the driver display (`display.driver: "console"`): the screen's lines on a
 * text stream (stderr by default, so stdout stays JSON log lines), one output line per verdict,
 * status and tone. Also the passenger signal, printed as the tone the buzzer would make. The
 * wording is the device's (device/display/screen-lines.ts `screenText`, given by the composition
 * root), the same lines the display unit draws; this adapter only joins and colours them.
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

/** Turns a screen into the lines the driver reads. */
export interface ScreenText {
  verdict(s: VerdictScreen): readonly string[];
  status(s: StatusLine): readonly string[];
  signal(tone: VerdictTone): string;
}

const COLOUR: Record<VerdictTone, string> = { accept: '\x1b[32m', reject: '\x1b[31m', attention: '\x1b[33m' };
const SEPARATOR = ' | ';

export class ConsoleDisplay implements DriverDisplay, PassengerSignal {
  readonly #out: Writable;
  readonly #colour: boolean;
  readonly #text: ScreenText;
  readonly #observers = new Set<DisplayObserver & SignalObserver>();
  #closed = false;

  constructor(out: Writable, opts: { text: ScreenText; colour?: boolean }) {
    this.#out = out;
    this.#text = opts.text;
    this.#colour = opts.colour ?? false;
    out.on('error', (err) => {
      for (const o of this.#observers) o.onError(err);
    });
  }

  showVerdict(s: VerdictScreen): void {
    this.#write(this.#text.verdict(s).join(SEPARATOR), s.tone);
  }

  showStatus(s: StatusLine): void {
    this.#write(this.#text.status(s).join(SEPARATOR));
  }

  play(tone: VerdictTone): void {
    this.#write(this.#text.signal(tone), tone);
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
