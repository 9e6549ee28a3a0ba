/**
 * PassengerSignal port: buzzer tone and two-colour light facing the passenger.
 * accept: one short tone + green; reject: long/triple tone + red; attention: a distinct pattern.
 * `play` never blocks and never throws; failures go to the observer (same contract as DriverDisplay).
 */
import type { VerdictTone } from './driver-display.js';

export interface SignalObserver {
  onError(error: Error): void;
}

export interface PassengerSignal {
  play(tone: VerdictTone): void;
  subscribe(observer: SignalObserver): () => void;
  close(): Promise<void>;
}
