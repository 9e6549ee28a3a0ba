/**
 * DriverDisplay port: the driver's screen. Text is already composed (Japanese) by the device;
 * adapters only encode and deliver it, holding no business rules.
 *
 * Contract:
 * - `showVerdict` and `showStatus` never block the tap path: they enqueue and return. The queue is
 *   bounded; when full, the newest verdict wins (older pending verdict screens are dropped).
 * - Delivery failures are reported through the observer's `onError`, never thrown from `show*`.
 * - `close()` flushes what it can before its deadline, then cancels the rest. Safe to call twice.
 */
import type { ReaderRole } from './card-reader.js';

export type VerdictTone = 'accept' | 'reject' | 'attention';

export interface VerdictScreen {
  /** accept | excess | reject | attention | duplicate — drives the colour. */
  readonly verdict: string;
  readonly reason: string;
  readonly tone: VerdictTone;
  readonly reader: ReaderRole | null;
  /** Main line, Japanese, e.g. 「OK 定期券有効」 or 「差額 120円 収受」 (device/display/messages-ja.ts). */
  readonly headline: string;
  /** Pass kind in Japanese (通勤定期, 障がい者定期, …), or null when no pass decided. */
  readonly kind: string | null;
  /** Expiry date YYYY-MM-DD, or null; the screen shows it as YYYY/MM/DD. */
  readonly validUntil: string | null;
  /** Yen to collect, or null. */
  readonly excess: number | null;
  readonly fare: number | null;
  /** Masked card number (JW1234********789) when known. */
  readonly card: string | null;
}

export interface StatusLine {
  readonly listVersion: number | null;
  /** Age of the pass list in minutes, or null when none. */
  readonly listAgeMinutes: number | null;
  readonly listStale: boolean;
  readonly link: 'online' | 'offline' | 'none';
  readonly readers: ReadonlyArray<{ reader: ReaderRole; state: string }>;
  /** Alarms for the driver, Japanese (e.g. 記録エラー, リーダー未接続). */
  readonly alarms: readonly string[];
}

export interface DisplayObserver {
  onError(error: Error): void;
}

export interface DriverDisplay {
  showVerdict(screen: VerdictScreen): void;
  showStatus(status: StatusLine): void;
  subscribe(observer: DisplayObserver): () => void;
  close(): Promise<void>;
}
