import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, ImportRefusedError } from '../../device/imports/import-error.js';
import { importNetworkDir } from '../../device/imports/network-import.js';
import { importPassesFile } from '../../device/imports/passes-import.js';
import { loadSalesExport } from '../../device/imports/sales-export.js';
import { ListStore } from '../../device/store/list-store.js';
import { attemptAsync, mutated, report, rssCost, typedOutcome } from './helpers.js';

/**
 * Sales exports and GTFS feeds with random damage: every import either applies whole or is refused
 * with ImportRefusedError naming file and line, and a refused import leaves the store as it was.
 */
const DATA = resolve(import.meta.dirname, '../../simulator/data');
const GTFS = join(DATA, 'gtfs-matsue');
const RUNS = 120;
/** Generous bound for CI on two shared cores (a run takes a few seconds alone). */
const TIMEOUT = 120_000;
let dir: string;
let store: ListStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'teiki-hostile-imports-'));
  store = ListStore.open(join(dir, 'list.sqlite'));
  await importNetworkDir(store, GTFS);
  await importPassesFile(store, join(DATA, 'passes-sample.csv'));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function fingerprint() {
  return {
    info: store.info(),
    passes: [...store.allPasses()],
    changes: store.allCardChanges(),
    network: store.network.info(),
  };
}

function checkRefusal(err: Error, file: string): void {
  expect(err).toBeInstanceOf(ImportRefusedError);
  const refusal = err as ImportRefusedError;
  expect(refusal.errors.length).toBeGreaterThan(0);
  for (const e of refusal.errors) {
    expect(e).toBeInstanceOf(ImportError);
    expect(e.file.startsWith(file)).toBe(true);
    if (e.line !== null) expect(e.line).toBeGreaterThanOrEqual(1);
  }
}

/** `bytes` written to dir/name; returns the path. */
function writeTemp(name: string, bytes: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** A fresh copy of the sample feed at dir/name, to damage. */
function freshFeed(name: string): string {
  const feed = join(dir, name);
  rmSync(feed, { recursive: true, force: true });
  cpSync(GTFS, feed, { recursive: true });
  return feed;
}

/** An import's result, or its ImportRefusedError: any other throw fails the test. */
async function importOrRefusal<T>(run: () => Promise<T>): Promise<T | Error> {
  return typedOutcome(await attemptAsync(run), ImportRefusedError);
}

/** A JSON array export with the same rows as the JSONL sample. */
function jsonArray(): Buffer {
  const lines = readFileSync(join(DATA, 'passes-sample.jsonl'), 'utf8').split('\n').filter(Boolean);
  return Buffer.from(
    JSON.stringify(
      lines.map((l) => JSON.parse(l)),
      null,
      2,
    ),
  );
}

describe('hostile sales exports', () => {
  const samples: Array<[string, () => Buffer]> = [
    ['passes.csv', () => readFileSync(join(DATA, 'passes-sample.csv'))],
    ['passes.jsonl', () => readFileSync(join(DATA, 'passes-sample.jsonl'))],
    ['passes.json', jsonArray],
  ];
  it.each(samples)(
    '%s with random edits: applied whole, or refused naming file and line, list untouched',
    async (name, sample) => {
      let refused = 0;
      let applied = 0;
      await fc.assert(
        fc.asyncProperty(mutated(sample()), async (bytes) => {
          // Start each run from the same list.
          await importPassesFile(store, join(DATA, 'passes-sample.csv'));
          const before = fingerprint();
          const file = writeTemp(name, bytes);
          const out = await importOrRefusal(() => importPassesFile(store, file));
          if (out instanceof Error) {
            checkRefusal(out, file);
            const { appliedAt: _a, ...info } = before.info;
            const after = fingerprint();
            const { appliedAt: _b, ...infoAfter } = after.info;
            expect({ ...after, info: infoAfter }).toEqual({ ...before, info });
            refused++;
          } else {
            // Applied whole: the list holds exactly the passes of the file.
            const read = await loadSalesExport(file);
            const ids = (ps: Iterable<{ pass_id: string }>) => [...ps].map((p) => p.pass_id).sort();
            expect(ids(store.allPasses())).toEqual(ids(read));
            expect(store.info().count).toBe(read.length);
            applied++;
          }
        }),
        { numRuns: RUNS },
      );
      report(`sales export ${name}`, { tries: RUNS, refused, applied });
    },
    TIMEOUT,
  );

  it(
    'random bytes and random text as a sales export',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
            fc.string({ maxLength: 2048 }).map((s) => Buffer.from(s)),
          ),
          fc.constantFrom('x.csv', 'x.jsonl', 'x.json', 'x.txt'),
          async (bytes, name) => {
            const before = fingerprint();
            const file = writeTemp(name, bytes);
            const out = await importOrRefusal(() => importPassesFile(store, file));
            if (out instanceof Error) {
              checkRefusal(out, file);
              expect(fingerprint().passes).toEqual(before.passes);
            } else {
              await importPassesFile(store, join(DATA, 'passes-sample.csv'));
            }
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});

describe('records that never end are refused without holding them', () => {
  const big = 32 * 2 ** 20;
  const header = readFileSync(join(DATA, 'passes-sample.csv'), 'utf8').split('\n')[0];
  const cases: Array<[string, string, () => string]> = [
    ['an unclosed quote', 'q.csv', () => `${header}\nP1,"${'a'.repeat(big)}\n`],
    ['a CSV line with no end', 'l.csv', () => `${header}\nP1,${'a'.repeat(big)}`],
    ['a JSON line with no end', 'l.jsonl', () => `{"pass_id":"${'a'.repeat(big)}`],
    ['a JSON array element with no end', 'a.json', () => `[{"pass_id":"${'a'.repeat(big)}`],
  ];
  it.each(cases)(
    '%s (32 MiB): refused at its line, in bounded time and memory',
    async (what, name, text) => {
      const file = writeTemp(name, text());
      const before = fingerprint();
      const { ms, rssMiB, out: outcome } = await rssCost(() => importPassesFile(store, file));
      const out = typedOutcome(outcome, ImportRefusedError);
      expect(out).toBeInstanceOf(ImportRefusedError);
      checkRefusal(out as Error, file);
      expect((out as Error).message).toMatch(/longer than/);
      expect(fingerprint().passes).toEqual(before.passes);
      // Before the bound: 64 MiB took 7.6 s and 624 MiB (quadratic). Bounded generously here.
      expect(rssMiB).toBeLessThan(200);
      report(`endless record ${what}`, {
        bytes: big,
        ms: Math.round(ms),
        rss_growth_mib: Math.round(rssMiB),
      });
    },
    TIMEOUT,
  );
});

describe('hostile GTFS feeds', () => {
  const files = readdirSync(GTFS).filter((f) => f.endsWith('.txt'));
  it(
    'one file of the feed with random edits: applied whole, or refused naming file and line, network untouched',
    async () => {
      let refused = 0;
      let applied = 0;
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...files)
            .chain((f) => fc.tuple(fc.constant(f), mutated(readFileSync(join(GTFS, f))))),
          async ([name, bytes]) => {
            await importNetworkDir(store, GTFS);
            const before = fingerprint();
            const feed = freshFeed('feed');
            writeFileSync(join(feed, name), bytes);
            const out = await importOrRefusal(() => importNetworkDir(store, feed));
            if (out instanceof Error) {
              checkRefusal(out, feed);
              expect(fingerprint().network).toEqual(before.network);
              refused++;
            } else applied++;
          },
        ),
        { numRuns: RUNS },
      );
      report('gtfs one file edited', { tries: RUNS, refused, applied });
    },
    TIMEOUT,
  );

  it(
    'a GTFS file with a record that never ends (32 MiB): refused at its line, network untouched',
    async () => {
      const feed = freshFeed('feed3');
      writeFileSync(
        join(feed, 'stop_times.txt'),
        `${readFileSync(join(GTFS, 'stop_times.txt'), 'utf8')}"${'9'.repeat(32 * 2 ** 20)}`,
      );
      const before = fingerprint();
      const t0 = performance.now();
      const out = await importOrRefusal(() => importNetworkDir(store, feed));
      const ms = performance.now() - t0;
      expect(out).toBeInstanceOf(ImportRefusedError);
      checkRefusal(out as Error, feed);
      expect((out as Error).message).toMatch(/stop_times\.txt:\d+: .*longer than/);
      expect(fingerprint().network).toEqual(before.network);
      report('gtfs endless record', { bytes: 32 * 2 ** 20, ms: Math.round(ms) });
    },
    TIMEOUT,
  );

  it(
    'a required file replaced by random bytes or removed',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...files),
          fc.uint8Array({ maxLength: 1024 }),
          fc.boolean(),
          async (name, bytes, remove) => {
            const before = fingerprint();
            const feed = freshFeed('feed2');
            if (remove) rmSync(join(feed, name));
            else writeFileSync(join(feed, name), bytes);
            const out = await importOrRefusal(() => importNetworkDir(store, feed));
            if (out instanceof Error) {
              checkRefusal(out, feed);
              expect(fingerprint().network).toEqual(before.network);
            } else await importNetworkDir(store, GTFS);
          },
        ),
        { numRuns: 60 },
      );
    },
    TIMEOUT,
  );
});

describe('inputs that never end, through a pipe (issue 12)', () => {
  /** An endless stream of `chunk`, as a pipe would deliver it. */
  const endless = (chunk: Buffer) => ({
    name: 'stdin',
    stream: Readable.from(
      (function* () {
        for (;;) yield chunk;
      })(),
    ),
  });
  const cases: Array<[string, Buffer]> = [
    ['zeros (/dev/zero)', Buffer.alloc(64 * 1024)],
    ['blank lines', Buffer.from('\n'.repeat(64 * 1024))],
    ['blank lines, CRLF', Buffer.from('\r\n'.repeat(32 * 1024))],
  ];
  it.each(cases)(
    'endless %s: refused (not text, or at the 64 MiB cap) in bounded memory, list untouched',
    async (what, chunk) => {
      const before = fingerprint();
      const {
        ms,
        rssMiB,
        out: outcome,
      } = await rssCost(() => importPassesFile(store, endless(chunk), { input: { maxBytes: 64 * 2 ** 20 } }));
      const out = typedOutcome(outcome, ImportRefusedError);
      expect(out).toBeInstanceOf(ImportRefusedError);
      expect((out as Error).message).toMatch(
        /^stdin(:1)?: (is not a text file|larger than the input limit of 64 MiB)/,
      );
      expect(fingerprint().passes).toEqual(before.passes);
      expect(rssMiB).toBeLessThan(200);
      report(`endless pipe of ${what}`, { ms: Math.round(ms), rss_growth_mib: Math.round(rssMiB) });
    },
    TIMEOUT,
  );
});

describe('passes naming random areas, operators and issuers (issue 12)', () => {
  it(
    'apply only when every name is of the network in force; else refused at the line and field',
    async () => {
      const header = readFileSync(join(DATA, 'passes-sample.csv'), 'utf8').split('\n')[0];
      const agency = fc.constantFrom('matsue-city', 'ichibata', 'izumo', 'Matsue-City', '');
      const row = fc.record({
        free: fc.boolean(),
        area: fc.constantFrom('matsue', 'kita', 'MATSUE', ' matsue'),
        issuer: agency,
        operators: fc.array(agency, { minLength: 1, maxLength: 3 }),
      });
      let refused = 0;
      let applied = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 6 }), async (rows) => {
          await importPassesFile(store, join(DATA, 'passes-sample.csv'));
          const before = fingerprint();
          const lines = rows.map((r, i) => {
            const ops = [...new Set(r.operators)].join('|');
            const kind = r.free ? 'student_free' : 'commuter';
            const idm = `0199${i.toString(16).padStart(12, '0')}`;
            return `H${i},JW9000000000000${String(i).padStart(2, '0')},${idm},${kind},${r.issuer},${ops},2026-04-01,2026-09-30,${r.free ? '' : '240'},${r.free ? r.area : ''},active`;
          });
          const file = writeTemp('names.csv', `${header}\n${lines.join('\n')}\n`);
          const out = await importOrRefusal(() => importPassesFile(store, file));
          const known = (a: string) => a === 'matsue-city' || a === 'ichibata';
          const fits = rows.every(
            (r) => known(r.issuer) && r.operators.every(known) && (!r.free || r.area.trim() === 'matsue'),
          );
          if (out instanceof Error) {
            checkRefusal(out, file);
            for (const e of (out as ImportRefusedError).errors) expect(e.line).not.toBeNull();
            expect(fits).toBe(false);
            expect(fingerprint().passes).toEqual(before.passes);
            refused++;
          } else {
            expect(fits).toBe(true);
            applied++;
          }
        }),
        { numRuns: RUNS },
      );
      report('passes naming the network', { tries: RUNS, refused, applied });
    },
    TIMEOUT,
  );
});
