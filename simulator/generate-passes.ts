/**
 * Synthetic sales exports (DESIGN.md "Sales export") for tests, benches and the demo.
 *
 * Deterministic for a seed (mulberry32, never Math.random). Pass number i (0-based) can be found
 * without reading the file:
 *   pass_id      = `GP-` + i zero-padded to 8 digits (independent of the seed)
 *   idm          = hex8(h) + hex8(i XOR h), h = first 32-bit output of mulberry32(seed)
 *                  (unique per pass for i < 2^32; exported as `generatedIdm(i, seed)`)
 *   card_number  = `JW9` + (seed mod 10000, 4 digits) + i zero-padded to 10 digits
 * Another seed therefore gives the same pass ids on other cards: an export in which every pass
 * changed card. Every card holds exactly one generated pass.
 *
 * CLI: node dist/simulator/generate-passes.js --count N --out FILE [--seed S] [--start YYYY-MM-DD]
 */
import { realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SALES_COLUMNS } from '../device/imports/sales-row.js';

/** The contract's columns, from the importer (one copy of the contract, DESIGN.md). */
export const SALES_EXPORT_COLUMNS = SALES_COLUMNS;

export type SalesExportRow = Record<(typeof SALES_EXPORT_COLUMNS)[number], string>;

export interface GenerateOptions {
  /** PRNG seed (any integer); default 1. */
  seed?: number;
  /** The day the export is "for" (YYYY-MM-DD); dates cluster around it. Default 2026-04-01. */
  start?: string;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_START = '2026-04-01';
/** The free-pass area of the sample network (simulator/data/gtfs-matsue/areas.txt). */
export const FREE_PASS_AREA = 'matsue';

const KINDS = ['commuter', 'student_free', 'student', 'disability'] as const;
const AMOUNTS = [160, 200, 240, 290, 340, 380, 440, 520, 650, 750] as const;
const DAY_MS = 86_400_000;

/** mulberry32: a small, fast 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedHash(seed: number): number {
  return Math.floor(mulberry32(seed)() * 4294967296) >>> 0;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** The IDm of generated pass number i (0-based) for a seed. */
export function generatedIdm(i: number, seed: number = DEFAULT_SEED): string {
  const h = seedHash(seed);
  return hex8(h) + hex8((i ^ h) >>> 0);
}

/** The pass_id of generated pass number i (0-based); the same for every seed. */
export function generatedPassId(i: number): string {
  return `GP-${String(i).padStart(8, '0')}`;
}

function parseDay(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== s) {
    throw new RangeError(`start must be a real date YYYY-MM-DD, got ${JSON.stringify(s)}`);
  }
  return ms / DAY_MS;
}

/** Calendar arithmetic on day numbers (days since 1970-01-01), with a small cache of strings. */
class Days {
  readonly #text = new Map<number, string>();
  readonly #ends = new Map<number, number>();

  format(day: number): string {
    let s = this.#text.get(day);
    if (s === undefined) {
      s = new Date(day * DAY_MS).toISOString().slice(0, 10);
      this.#text.set(day, s);
    }
    return s;
  }

  /** Last day of a k-month pass starting on `from` (Japanese rule: day before the same date). */
  periodEnd(from: number, months: number): number {
    const key = from * 64 + months;
    let end = this.#ends.get(key);
    if (end === undefined) {
      const d = new Date(from * DAY_MS);
      const y = d.getUTCFullYear();
      const m = d.getUTCMonth() + months;
      const lastOfTarget = Date.UTC(y, m + 1, 0) / DAY_MS;
      const sameDate = Date.UTC(y, m, d.getUTCDate()) / DAY_MS;
      end = sameDate > lastOfTarget ? lastOfTarget : sameDate - 1;
      this.#ends.set(key, end);
    }
    return end;
  }

  /** First day of a k-month pass ending on `until`. */
  periodStart(until: number, months: number): number {
    const d = new Date((until + 1) * DAY_MS);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, d.getUTCDate()) / DAY_MS;
  }

  monthStart(day: number, offsetMonths: number): number {
    const d = new Date(day * DAY_MS);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offsetMonths, 1) / DAY_MS;
  }
}

interface Context {
  readonly seed: number;
  readonly h: number;
  readonly idmHigh: string;
  readonly seedTag: string;
  readonly start: number;
  readonly rng: () => number;
  readonly days: Days;
}

function context(opts: GenerateOptions): Context {
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  return {
    seed,
    h: seedHash(seed),
    idmHigh: hex8(seedHash(seed)),
    seedTag: String(Math.abs(seed) % 10_000).padStart(4, '0'),
    start: parseDay(opts.start ?? DEFAULT_START),
    rng: mulberry32(seed),
    days: new Days(),
  };
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/** The CSV line of pass i (no newline). Consumes the context's PRNG in order. */
function line(i: number, c: Context): string {
  const { rng, days, start } = c;
  // The first rows cover every kind and status whatever n is; the rest are drawn.
  const r = rng();
  const kind =
    i < KINDS.length
      ? KINDS[i]!
      : r < 0.7
        ? 'commuter'
        : r < 0.8
          ? 'student_free'
          : r < 0.92
            ? 'student'
            : 'disability';
  const s = rng();
  const status =
    i === 4 ? 'refunded' : i === 5 ? 'suspended' : s < 0.94 ? 'active' : s < 0.98 ? 'refunded' : 'suspended';

  const reviewed = kind === 'student' || kind === 'disability';
  const issuer = reviewed ? 'ichibata' : rng() < 0.55 ? 'matsue-city' : 'ichibata';
  const both = kind === 'student_free' || rng() < (reviewed ? 0.3 : 0.5);
  const operators = both ? (issuer === 'ichibata' ? 'ichibata|matsue-city' : 'matsue-city|ichibata') : issuer;
  const free = kind === 'student_free';
  const fareLimit = free ? '' : String(pick(rng, AMOUNTS));

  const months = free ? 12 : pick(rng, [1, 1, 1, 3, 3, 6]);
  const e = rng();
  let from: number;
  let until: number;
  if (e < 0.1) {
    from = start; // first day of use is the export's day
    until = days.periodEnd(from, months);
  } else if (e < 0.2) {
    until = start; // last valid day is the export's day
    from = days.periodStart(until, months);
  } else if (e < 0.35) {
    from = days.monthStart(start, Math.floor(rng() * 5) - 2); // calendar months, ends on a month end
    until = days.monthStart(from, months) - 1;
  } else if (e < 0.37) {
    from = start; // a one-day edge case
    until = start;
  } else {
    from = start + Math.floor(rng() * 150) - 90;
    until = days.periodEnd(from, months);
  }

  const digits = String(i).padStart(10, '0');
  const idm = c.idmHigh + hex8((i ^ c.h) >>> 0);
  const area = free ? FREE_PASS_AREA : '';
  const passId = i < 100_000_000 ? `GP-${digits.slice(2)}` : generatedPassId(i);
  return `${passId},JW9${c.seedTag}${digits},${idm},${kind},${issuer},${operators},${days.format(from)},${days.format(until)},${fareLimit},${area},${status}`;
}

function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`count must be a whole number from 0 to 2^32-1, got ${n}`);
  }
}

/** Yields n sales-export rows as CSV-ready string records (operators `|`-separated). */
export function* generatePasses(n: number, opts: GenerateOptions = {}): Generator<SalesExportRow> {
  checkCount(n);
  const c = context(opts);
  for (let i = 0; i < n; i++) {
    const f = line(i, c).split(',');
    const row = {} as SalesExportRow;
    SALES_EXPORT_COLUMNS.forEach((k, j) => {
      row[k] = f[j]!;
    });
    yield row;
  }
}

/** Writes a CSV sales export of n generated passes (with header) in large chunks. Returns n. */
export async function writePassesCsv(file: string, n: number, opts: GenerateOptions = {}): Promise<number> {
  checkCount(n);
  const c = context(opts);
  const fh = await open(file, 'w');
  try {
    // Lines are ASCII: latin1 into one reused buffer, flushed when nearly full (no per-line garbage).
    const buf = Buffer.allocUnsafe(1 << 20);
    let used = buf.write(`${SALES_EXPORT_COLUMNS.join(',')}\n`, 0, 'latin1');
    for (let i = 0; i < n; i++) {
      const text = line(i, c);
      if (used + text.length + 1 > buf.length) {
        await fh.write(buf, 0, used);
        used = 0;
      }
      used += buf.write(text, used, 'latin1');
      buf[used++] = 0x0a;
    }
    if (used > 0) await fh.write(buf, 0, used);
  } finally {
    await fh.close();
  }
  return n;
}

const USAGE = `Usage: node dist/simulator/generate-passes.js --count N --out FILE [--seed S] [--start YYYY-MM-DD]

Writes a synthetic sales export (CSV, DESIGN.md "Sales export") of N passes.
  -n, --count N       number of passes (required)
  -o, --out FILE      output CSV file (required)
  -s, --seed S        PRNG seed, an integer (default ${DEFAULT_SEED}); same seed, same file
      --start DATE    day the export is for; dates cluster around it (default ${DEFAULT_START})
  -h, --help          show this help

Pass i has pass_id GP-<i, 8 digits> and idm hex8(h) + hex8(i XOR h), h = first mulberry32(seed) word.`;

export interface CliIo {
  readonly out: { write(s: string): unknown };
  readonly err: { write(s: string): unknown };
}

export async function main(
  argv: string[],
  io: CliIo = { out: process.stdout, err: process.stderr },
): Promise<number> {
  let values: { count?: string; out?: string; seed?: string; start?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        count: { type: 'string', short: 'n' },
        out: { type: 'string', short: 'o' },
        seed: { type: 'string', short: 's' },
        start: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    io.err.write(`generate-passes: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return 0;
  }
  const count = Number(values.count);
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (values.count === undefined || !Number.isSafeInteger(count) || count < 0 || !values.out) {
    io.err.write(`generate-passes: --count (a whole number) and --out are required\n\n${USAGE}\n`);
    return 2;
  }
  if (!Number.isSafeInteger(seed)) {
    io.err.write(`generate-passes: --seed must be an integer, got ${values.seed}\n`);
    return 2;
  }
  const started = Date.now();
  try {
    await writePassesCsv(values.out, count, { seed, start: values.start ?? DEFAULT_START });
  } catch (err) {
    io.err.write(`generate-passes: ${(err as Error).message}\n`);
    return 1;
  }
  io.err.write(`wrote ${count} passes to ${values.out} in ${Date.now() - started} ms\n`);
  return 0;
}

function runDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (runDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`generate-passes: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
