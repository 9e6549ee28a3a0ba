/**
 * StopSource port: where the bus is. The real adapter reads the announcement controller's line
 * protocol over serial; GPS would be another adapter behind the same port.
 *
 * Contract: `current()` returns the last good stop (bad input never replaces it); `onStop` fires
 * on each change; `stop()` cancels, safe to call twice; a disconnect keeps the last stop current
 * and is reported through `onError`.
 */
export interface CurrentStop {
  readonly route_id: string;
  readonly trip_id?: string | undefined;
  readonly stop_id: string;
  /** Epoch ms when this stop became current. */
  readonly at: number;
}

export interface StopObserver {
  onStop(stop: CurrentStop): void;
  onError(error: Error): void;
}

export interface StopSource {
  current(): CurrentStop | null;
  subscribe(observer: StopObserver): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
