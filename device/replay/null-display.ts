/** Replay has no screen: verdicts go to stdout as JSON lines, so display and signal discard. */
import type { DriverDisplay, VerdictTone } from '../../hardware/ports/driver-display.js';
import type { PassengerSignal } from '../../hardware/ports/passenger-signal.js';

export class NullDisplay implements DriverDisplay, PassengerSignal {
  showVerdict(): void {}
  showStatus(): void {}
  play(_tone: VerdictTone): void {}
  subscribe(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}
