/** Records what a CardReader reports, and waits for it. Used by the card-reader contract and pcsc tests. */
import type {
  CardEvent,
  CardReader,
  CardReaderObserver,
  ReaderHealth,
} from '../../hardware/ports/card-reader.js';

export type Recorded =
  | { readonly kind: 'card'; readonly event: CardEvent; readonly at: number }
  | { readonly kind: 'health'; readonly health: ReaderHealth; readonly at: number }
  | { readonly kind: 'error'; readonly error: Error; readonly at: number };

export class ReaderEvents implements CardReaderObserver {
  readonly log: Recorded[] = [];
  readonly #waiters = new Set<() => void>();
  #unsubscribe: () => void = () => {};

  static attach(reader: CardReader): ReaderEvents {
    const r = new ReaderEvents();
    r.#unsubscribe = reader.subscribe(r);
    return r;
  }

  detach(): void {
    this.#unsubscribe();
  }

  onCard(event: CardEvent): void {
    this.#push({ kind: 'card', event, at: Date.now() });
  }
  onHealth(health: ReaderHealth): void {
    this.#push({ kind: 'health', health, at: Date.now() });
  }
  onError(error: Error): void {
    this.#push({ kind: 'error', error, at: Date.now() });
  }

  get cards(): CardEvent[] {
    return this.log.flatMap((r) => (r.kind === 'card' ? [r.event] : []));
  }
  get errors(): Error[] {
    return this.log.flatMap((r) => (r.kind === 'error' ? [r.error] : []));
  }
  get healths(): ReaderHealth[] {
    return this.log.flatMap((r) => (r.kind === 'health' ? [r.health] : []));
  }

  /** Index to pass as `from` so that a wait only looks at what comes next. */
  mark(): number {
    return this.log.length;
  }

  /** Resolves with the first record from `from` on that matches, or rejects after `timeoutMs`. */
  waitFor(match: (r: Recorded) => boolean, timeoutMs: number, from = 0, what = 'event'): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.log.slice(from).find(match);
        if (!found) return false;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(found);
        return true;
      };
      const waiter = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms; got ${this.describe(from)}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(waiter);
    });
  }

  waitForCard(timeoutMs: number, from = 0): Promise<CardEvent> {
    return this.waitFor((r) => r.kind === 'card', timeoutMs, from, 'card event').then(
      (r) => (r as Extract<Recorded, { kind: 'card' }>).event,
    );
  }

  waitForError(timeoutMs: number, from = 0): Promise<Error> {
    return this.waitFor((r) => r.kind === 'error', timeoutMs, from, 'error').then(
      (r) => (r as Extract<Recorded, { kind: 'error' }>).error,
    );
  }

  waitForHealth(
    state: ReaderHealth['state'],
    role: string,
    timeoutMs: number,
    from = 0,
  ): Promise<ReaderHealth> {
    return this.waitFor(
      (r) => r.kind === 'health' && r.health.state === state && r.health.reader === role,
      timeoutMs,
      from,
      `health ${role}=${state}`,
    ).then((r) => (r as Extract<Recorded, { kind: 'health' }>).health);
  }

  describe(from = 0): string {
    const items = this.log.slice(from).map((r) => {
      switch (r.kind) {
        case 'card':
          return `card(${r.event.type} ${r.event.reader})`;
        case 'health':
          return `health(${r.health.reader}=${r.health.state}${r.health.detail ? `: ${r.health.detail}` : ''})`;
        case 'error':
          return `error(${r.error.name}: ${r.error.message})`;
        default:
          return 'unknown';
      }
    });
    return items.length ? items.join(', ') : 'nothing';
  }

  #push(r: Recorded): void {
    this.log.push(r);
    for (const w of [...this.#waiters]) w();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
