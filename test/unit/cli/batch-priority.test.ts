/**
 * Imports run below the daemon's tap loop in CPU priority (issue 12): every thread of the process,
 * since Linux keeps the nice value per thread. Tried in a child process, as a lowered priority
 * cannot be raised back.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BATCH_NICE, isBatchCommand } from '../../../device/cli/batch-priority.js';
import { ROOT } from '../../helpers/cli.js';

const MODULE = join(ROOT, 'dist/device/cli/batch-priority.js');

/** Runs lowerProcessPriority() in a fresh node and returns what it said and every thread's nice. */
function lowerInChild(): { lowered: number; nice: number[] } {
  const script = `
    import { readdirSync, readFileSync } from 'node:fs';
    const { lowerProcessPriority } = await import(${JSON.stringify(MODULE)});
    const lowered = lowerProcessPriority();
    // A thread started afterwards (libuv's pool, on first use) inherits the lowered value.
    await import('node:fs/promises').then((fs) => fs.readFile(${JSON.stringify(MODULE)}));
    const nice = readdirSync('/proc/self/task').map((t) =>
      Number(readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16]));
    console.log(JSON.stringify({ lowered, nice }));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  );
}

describe('a batch command', () => {
  it('is a passes or network import, nothing else', () => {
    expect(isBatchCommand(['passes', 'import', 'x.csv', '--config', 'c.json'])).toBe(true);
    expect(isBatchCommand(['network', 'import', 'gtfs/', '--config', 'c.json'])).toBe(true);
    expect(isBatchCommand(['run', '--config', 'c.json'])).toBe(false);
    expect(isBatchCommand(['check', 'passes', 'import'])).toBe(false);
    expect(isBatchCommand([])).toBe(false);
  });

  it.runIf(process.platform === 'linux')('lowers every thread of its process to nice 10', () => {
    const { lowered, nice } = lowerInChild();
    expect(lowered).toBeGreaterThan(1); // the main thread and V8's platform threads at least
    expect(nice.length).toBeGreaterThan(lowered - 1);
    for (const n of nice) expect(n).toBeGreaterThanOrEqual(BATCH_NICE);
  });
});
