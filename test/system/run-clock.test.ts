/**
 * The clock fault on the real daemon (issue 7): `teiki run` with a list in force whose times say
 * the bus clock cannot be right. The system clock of the test machine cannot be moved, so the
 * list's stamps are moved instead, which is the same fact seen from the other side: a list
 * applied "tomorrow" is what a bus sees after its clock stepped back a day; a list that expired
 * two months ago (past the 31-day horizon) is what it sees after its clock jumped ahead.
 */

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runTeiki, TeikiProcess } from '../helpers/cli.js';
import {
  CONSOLE_CONFIG,
  DESIGN_IDM,
  importSample,
  makeWorkdir,
  type Workdir,
  writeCurrentPasses,
} from '../helpers/workdir.js';

const DAY = 86_400_000;

let w: Workdir | undefined;
let proc: TeikiProcess | undefined;
afterEach(() => {
  proc?.kill('SIGKILL');
  w?.cleanup();
  w = undefined;
  proc = undefined;
});

function stampList(dir: string, meta: Record<string, string>): void {
  const db = new Database(join(dir, 'data', 'list.sqlite'));
  try {
    const set = db.prepare('UPDATE meta SET value = ? WHERE key = ?');
    for (const [k, v] of Object.entries(meta)) expect(set.run(v, k).changes).toBe(1);
  } finally {
    db.close();
  }
}

async function tapOnce(meta: Record<string, string>) {
  w = makeWorkdir(CONSOLE_CONFIG);
  await importSample(w, { passes: writeCurrentPasses(w) });
  stampList(w.dir, meta);
  proc = new TeikiProcess(['run', '--config', w.config]);
  await proc.waitFor((l) => l.msg === 'ready');
  proc.send(`stop 81 matsue-sta\ntap ${DESIGN_IDM} boarding\n`);
  const tap = await proc.waitFor((l) => l.msg === 'tap');
  proc.kill('SIGTERM');
  expect((await proc.exited).code).toBe(0);
  const list = await runTeiki(['records', 'list', '--config', w.config, '--json']);
  return { tap, record: JSON.parse(list.stdout.trim().split('\n')[0] ?? '{}') };
}

describe('teiki run with a clock it cannot trust', () => {
  it('a clock a day behind the list in force: attention/clock_invalid, recorded as before_floor', async () => {
    const { tap, record } = await tapOnce({ 'list.applied_at': new Date(Date.now() + DAY).toISOString() });
    expect(tap).toMatchObject({ verdict: 'attention', reason: 'clock_invalid', pass_id: 'MC-NOW' });
    expect(record).toMatchObject({ verdict: 'attention', reason: 'clock_invalid', clock: 'before_floor' });
  });

  it('a clock far past the list expiry: attention/clock_invalid, recorded as beyond_horizon', async () => {
    const { tap, record } = await tapOnce({
      'list.applied_at': new Date(Date.now() - 70 * DAY).toISOString(),
      'list.expires_at': new Date(Date.now() - 60 * DAY).toISOString(),
    });
    expect(tap).toMatchObject({ verdict: 'attention', reason: 'clock_invalid' });
    expect(record).toMatchObject({ reason: 'clock_invalid', clock: 'beyond_horizon' });
  });

  it('the same list with sane stamps decides normally and records the clock as ok', async () => {
    const { tap, record } = await tapOnce({ 'list.applied_at': new Date(Date.now() - DAY).toISOString() });
    expect(tap).toMatchObject({ verdict: 'accept', reason: 'ok' });
    expect(record).toMatchObject({ verdict: 'accept', clock: 'ok' });
  });
});
