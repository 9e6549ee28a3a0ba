import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPassesFile } from '../../../device/imports/passes-import.js';
import { ListStore } from '../../../device/store/list-store.js';
import { cells, csvLine, HEADER, idmOf, type TempDir, tempDir } from './helpers.js';

const ROWS = 100_000;
let tmp: TempDir;
let file: string;

beforeAll(async () => {
  tmp = tempDir();
  file = join(tmp.dir, 'big.csv');
  const out = createWriteStream(file);
  out.write(`${HEADER}\r\n`);
  for (let i = 0; i < ROWS; i++) {
    const status = i % 50 === 0 ? 'refunded' : 'active';
    if (!out.write(`${csvLine(cells(i, { status }))}\r\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
});
afterAll(() => tmp.cleanup());

describe('a 100,000-row export', () => {
  it('imports through the streaming reader in one replacement', async () => {
    const store = ListStore.open(join(tmp.dir, 'list.sqlite'));
    const progress: number[] = [];
    const counts = await importPassesFile(store, file, { onProgress: (n) => progress.push(n) });
    expect(counts).toMatchObject({ total: ROWS, added: ROWS, byStatus: { active: 98_000, refunded: 2_000 } });
    expect(progress).toHaveLength(ROWS / 10_000 + 1);
    expect(store.info()).toMatchObject({ count: ROWS, active: 98_000, version: 1 });
    expect(store.lookup(idmOf(54_321)).passes[0]?.pass_id).toBe('P54321');
    expect(store.lookup(idmOf(ROWS)).passes).toEqual([]);
    store.close();
  });
});
