/**
 * Shared by the hostile-input tests (issue 7): a check that a parser either returns or refuses with
 * its typed error, and a bounded measure of the time and heap one refusal costs.
 */
import fc from 'fast-check';
import { isSyncRejection, type SyncRejection } from '../../sync/rejection.js';

/** Property runs per fuzz property: enough to find crashes, small enough for the 2-core CI. */
export const RUNS = 300;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function attempt<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

export async function attemptAsync<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Throws (failing the property) unless the outcome is a value or a SyncRejection. */
export function syncOutcome<T>(o: Outcome<T>): T | SyncRejection {
  if (o.ok) return o.value;
  if (isSyncRejection(o.error)) return o.error;
  throw new Error(`not a typed refusal: ${describe(o.error)}`, { cause: o.error });
}

/** Throws unless the outcome is a value or an error of one of the given classes. */
export function typedOutcome<T>(o: Outcome<T>, ...types: Array<new (...a: never[]) => Error>): T | Error {
  if (o.ok) return o.value;
  if (types.some((t) => o.error instanceof t)) return o.error as Error;
  throw new Error(`not a typed refusal: ${describe(o.error)}`, { cause: o.error });
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Random edits of a valid message: flipped bytes, cuts, insertions, duplicated spans. */
export function mutated(base: Uint8Array): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('cut' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
    fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let b = Buffer.from(base);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % b.length;
      if (e.op === 'flip') {
        if (b.length > 0) b[at] = (b[at] ?? 0) ^ (1 << e.bit);
      } else if (e.op === 'cut') b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]);
      else if (e.op === 'insert') b = Buffer.concat([b.subarray(0, at), e.bytes, b.subarray(at)]);
      else b = b.subarray(0, at);
    }
    return b;
  });
}

/** Time and heap growth of one call; the heap is measured after a GC when it is exposed. */
export function cost<T>(fn: () => T): { ms: number; heapMiB: number; out: Outcome<T> } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const out = attempt(fn);
  const ms = performance.now() - t0;
  const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  return { ms, heapMiB, out };
}

/**
 * Time and peak RSS growth of one async call, sampled every 5 ms: for work whose memory is
 * outside the JS heap (zlib buffers, file reads), which `cost` does not see.
 */
export async function rssCost<T>(
  fn: () => Promise<T>,
): Promise<{ ms: number; rssMiB: number; out: Outcome<T> }> {
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const t0 = performance.now();
  const out = await attemptAsync(fn);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, rssMiB: (peak - rss0) / 2 ** 20, out };
}

/** Numbers for test/RELIABILITY.md: one JSON line `{"fault": …}`, as the fault tests print. */
export function report(name: string, facts: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ fault: name, ...facts })}\n`);
}
