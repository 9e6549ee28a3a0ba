/**
 * The progress reporter in both modes: a cli-progress bar with totals when stderr is a terminal
 * (here a stand-in stream that says isTTY, as a pty does; test/system/cli-progress-pty.test.ts
 * runs it on a real pseudo-terminal), one line per stage with its count through a pipe.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { estimateRows } from '../../../device/cli/line-estimate.js';
import { createProgress, type ProgressStream } from '../../../device/cli/progress.js';

function sink(isTTY: boolean): ProgressStream & { text: string } {
  const s = {
    isTTY,
    columns: 100,
    text: '',
    write(t: string) {
      s.text += t;
      return true;
    },
  };
  return s;
}
const plain = (t: string) => t.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '');

describe('progress through a pipe or journald', () => {
  it('writes one line per stage with its count, when the stage ends', () => {
    const out = sink(false);
    const p = createProgress({ stream: out });
    expect(p.tty).toBe(false);
    for (const n of [100_000, 200_000, 250_000]) p.update('rows read', n, 300_000);
    expect(out.text).toBe('');
    p.update('snapshot chunks sent', 1);
    p.update('snapshot chunks sent', 7);
    p.end();
    p.end();
    expect(out.text).toBe('teiki: rows read: 250,000\nteiki: snapshot chunks sent: 7\n');
  });

  it('reports nothing for a stage a failure stopped: the error is the line to read', () => {
    const out = sink(false);
    const p = createProgress({ stream: out });
    p.update('rows read', 3);
    p.stop();
    p.end();
    expect(out.text).toBe('');
  });
});

describe('progress on a terminal', () => {
  it('draws a bar with totals, and leaves each stage finished at its real count', () => {
    const out = sink(true);
    const p = createProgress({ stream: out });
    expect(p.tty).toBe(true);
    p.update('rows read', 0, 1_000);
    p.update('rows read', 500, 1_000);
    p.update('snapshot chunks sent', 3);
    p.end();
    const text = plain(out.text);
    // The estimate said 1,000 rows; the stage ended at 500, so its last bar says 500/500.
    expect(text).toContain('rows read [------------------------------] 0% 0/1,000');
    expect(text).toContain('rows read [##############################] 100% 500/500');
    expect(text).toContain('snapshot chunks sent: 3');
    expect(text).not.toContain('teiki:');
    expect(out.text.endsWith('\n')).toBe(true);
  });

  it('grows an estimated total that the count passes', () => {
    const out = sink(true);
    const p = createProgress({ stream: out });
    p.update('rows read', 0, 10);
    p.update('rows read', 40, 10);
    p.end();
    expect(plain(out.text)).toContain('100% 40/40');
  });
});

describe('row estimates for the bar', () => {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-rows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts lines, less the header of a CSV, with or without a last newline', async () => {
    writeFileSync(join(dir, 'a.csv'), 'h\n1\n2\n3\n');
    writeFileSync(join(dir, 'b.jsonl'), '{}\n{}\n{}');
    expect(await estimateRows(join(dir, 'a.csv'))).toBe(3);
    expect(await estimateRows(join(dir, 'b.jsonl'))).toBe(3);
    expect(await estimateRows(join(dir, 'missing.csv'))).toBeUndefined();
  });
});
