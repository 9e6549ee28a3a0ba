/**
 * What a demo bus is made of besides the daemon: a card reader, the driver's display (with the
 * passenger tone and light), and a stop source, plus the hands of the script (present a card,
 * move the bus) and the eyes of the terminal (the display's state). The default is the simulator
 * fakes in process; real-stack.ts puts pcscd + vpcd and serial ptys behind the same interface.
 */
import type { CardReader, ReaderRole } from '../../hardware/ports/card-reader.js';
import type { Clock } from '../../hardware/ports/clock.js';
import type {
  DisplayObserver,
  DriverDisplay,
  StatusLine,
  VerdictScreen,
  VerdictTone,
} from '../../hardware/ports/driver-display.js';
import type { PassengerSignal } from '../../hardware/ports/passenger-signal.js';
import type { StopSource } from '../../hardware/ports/stop-source.js';
import { SIGNAL_PATTERNS } from '../../hardware/serial/display-signal.js';
import type { UnitState } from '../display-unit/unit.js';
import { FakeCardReader } from '../fakes/fake-card-reader.js';
import { FakeStopSource } from '../fakes/fake-stop-source.js';

export interface BusHardware {
  readonly reader: CardReader;
  readonly display: DriverDisplay & PassengerSignal;
  readonly stopSource: StopSource;
  /** Holds a card to a reader (the daemon's verdict follows through its ports). */
  present(idm: string, reader: ReaderRole): Promise<void>;
  /** The announcement controller says the bus is at this stop. */
  arrive(route: string, stop: string, trip?: string): Promise<void>;
  /** What the driver's screen shows now. */
  screen(): UnitState;
  /** How it is wired, one line for the terminal. */
  readonly describe: string;
  close(): Promise<void>;
}

/** The driver's display as the fakes see it: keeps the last screen, tone and status line. */
export class ScreenState implements DriverDisplay, PassengerSignal {
  readonly state: UnitState = { verdict: null, status: null, signal: null };
  readonly #observers = new Set<DisplayObserver>();
  showVerdict(screen: VerdictScreen): void {
    this.state.verdict = screen;
  }
  showStatus(status: StatusLine): void {
    this.state.status = status;
  }
  play(tone: VerdictTone): void {
    this.state.signal = SIGNAL_PATTERNS[tone];
  }
  subscribe(observer: DisplayObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }
  async close(): Promise<void> {}
}

export function fakeHardware(clock: Clock): BusHardware {
  const reader = new FakeCardReader(clock);
  const stops = new FakeStopSource(clock);
  const display = new ScreenState();
  return {
    reader,
    display,
    stopSource: stops,
    describe: 'simulated readers, display and stop source (simulator/fakes)',
    present: async (idm, role) => {
      if (!reader.tap(idm, role)) throw new Error(`the ${role} reader is not running`);
    },
    arrive: async (route, stop, trip) => stops.arrive(route, stop, trip),
    screen: () => display.state,
    close: async () => {},
  };
}
