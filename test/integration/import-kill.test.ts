/**
 * The store survives a process killed mid-import: after `kill -9` at random moments of a large
 * `teiki passes import`, the old list is wholly in force and the database is intact.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePassesCsv } from '../../simulator/generate-passes.js';
import { runTeiki, TEIKI } from '../helpers/cli.js';
import { DESIGN_IDM, importSample, makeWorkdir, type Workdir } from '../helpers/workdir.js';

const ROWS = 200_000;
const KILLS = 6;
let w: Workdir;
let big: string;

beforeAll(async () => {
  w = makeWorkdir();
  await importSample(w);
  big = join(w.dir, 'big.csv');
  await writePassesCsv(big, ROWS, { seed: 7, start: '2026-04-01' });
}, 120_000);
afterAll(() => w?.cleanup());

async function status(): Promise<{ version: number; count: number }> {
  const r = await runTeiki(['status', '--config', w.config, '--json']);
  return JSON.parse(r.stdout).pass_list;
}

function killedImport(afterMs: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TEIKI, 'passes', 'import', big, '--config', w.config], {
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
}

describe('a process killed mid-import', () => {
  it('leaves the list wholly old (or, had it finished, wholly new) every time', async () => {
    const sample = await status();
    let before = sample;
    let killed = 0;
    for (let i = 0; i < KILLS; i++) {
      // Spread the kills over start-up, parsing and the commit of the single transaction.
      const signal = await killedImport(150 + Math.floor(Math.random() * 2500));
      const now = await status();
      if (signal === 'SIGKILL' && now.version === before.version) {
        killed++;
        expect(now).toEqual(before);
      } else {
        // The import finished before the kill: then it must be whole, and it is the list the
        // next kills must leave in force.
        expect(now.count).toBe(ROWS);
        before = now;
      }
      const db = new Database(join(w.dir, 'data/list.sqlite'), { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
      // While the sample list is the one in force, it still decides the DESIGN.md card.
      if (now.version === sample.version) {
        const check = await runTeiki([
          'check',
          DESIGN_IDM,
          '--config',
          w.config,
          '--at',
          '2026-04-01T08:00:00+09:00',
        ]);
        expect(JSON.parse(check.stdout).verdict).toBe('accept');
      }
    }
    // The kills must (mostly) have interrupted real imports, or this test proves nothing; a fast
    // machine may finish one before its kill.
    expect(killed).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));
  }, 180_000);

  it('then imports the whole file when left alone', async () => {
    const r = await runTeiki(['passes', 'import', big, '--config', w.config], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const after = await status();
    expect(after.count).toBe(ROWS);
  }, 180_000);
});
