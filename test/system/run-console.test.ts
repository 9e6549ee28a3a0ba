/**
 * `teiki run` as a real process: config → stores → console reader and stop source on stdin →
 * pipeline → records, with SIGTERM through the one shutdown path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { screenText } from '../../device/display/screen-lines.js';
import { runTeiki, TeikiProcess } from '../helpers/cli.js';
import { eventually } from '../helpers/pty.js';
import {
  CONSOLE_CONFIG,
  DESIGN_IDM,
  importSample,
  makeWorkdir,
  type Workdir,
  writeCurrentPasses,
} from '../helpers/workdir.js';

let w: Workdir | undefined;
let proc: TeikiProcess | undefined;
afterEach(() => {
  proc?.kill('SIGKILL');
  w?.cleanup();
  w = undefined;
  proc = undefined;
});

describe('teiki run', () => {
  it('logs ready, decides taps from stdin, records them and exits 0 on SIGTERM', async () => {
    w = makeWorkdir(CONSOLE_CONFIG);
    await importSample(w, { passes: writeCurrentPasses(w) });
    proc = new TeikiProcess(['run', '--config', w.config]);
    const ready = await proc.waitFor((l) => l.msg === 'ready');
    expect(ready.passes).toBeGreaterThan(0);
    proc.send(`stop 81 matsue-sta\ntap ${DESIGN_IDM} boarding\n`);
    const tap = await proc.waitFor((l) => l.msg === 'tap');
    expect(tap).toMatchObject({ verdict: 'accept', reason: 'ok', reader: 'boarding', component: 'pipeline' });
    expect(JSON.stringify(proc.lines)).not.toContain(DESIGN_IDM);
    // The console display (stderr) prints the lines the display unit draws, in the same words.
    await eventually(() => proc?.stderr.includes(screenText.signal('accept')), 'the tone on the console');
    expect(proc.stderr).toMatch(
      /^乗車 OK 定期券有効 \| 通勤定期 {2}有効期限 \d{4}\/\d{2}\/\d{2} \| カード JW\d{4}\*+\d{3}$/m,
    );
    expect(proc.stderr).toMatch(
      /^リスト更新 (たった今|\d+分前) 第1版 \| 通信 未設定 \| 乗車:正常 降車:正常$/m,
    );
    proc.send('tap ffffffffffffffff boarding\ntap 0114b3a1c2d3e504 boarding\n');
    await proc.waitFor((l) => l.msg === 'tap' && l.reason === 'no_pass');
    await proc.waitFor((l) => l.msg === 'tap' && l.reason === 'expired');
    proc.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(proc.lines.some((l) => l.msg === 'stopped' && l.clean === true)).toBe(true);

    const list = await runTeiki(['records', 'list', '--config', w.config, '--json']);
    const records = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({
      seq: 1,
      idm: DESIGN_IDM,
      reader: 'boarding',
      route: '81',
      stop: 'matsue-sta',
      verdict: 'accept',
      uploaded: false,
    });
    expect(records[1]).toMatchObject({ seq: 2, verdict: 'reject', reason: 'no_pass', pass_id: null });
    expect(records[2]).toMatchObject({ seq: 3, verdict: 'reject', reason: 'expired', pass_id: 'MC-OLD' });
  });

  it('keeps running past bad console lines', async () => {
    w = makeWorkdir(CONSOLE_CONFIG);
    await importSample(w, { passes: writeCurrentPasses(w) });
    proc = new TeikiProcess(['run', '--config', w.config]);
    await proc.waitFor((l) => l.msg === 'ready');
    proc.send(`tap nothex\nfly away\nstop 81 matsue-sta\ntap ${DESIGN_IDM}\n`);
    await proc.waitFor((l) => l.msg === 'tap' && l.verdict === 'accept');
    expect(proc.lines.filter((l) => l.msg === 'reader error')).toHaveLength(2);
  });

  it('stops at start with the key and the reason when the config is bad', async () => {
    w = makeWorkdir({ readers: [{ driver: 'pcsc', role: 'middle' }] });
    const r = await runTeiki(['run', '--config', w.config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad config: .*config\.json: readers\[0\]\.role/);
  });

  it('exits 3 with a clear message when the configured display device does not exist', async () => {
    w = makeWorkdir({ display: { driver: 'serial', path: '/dev/teiki-no-such-display' } });
    const r = await runTeiki(['run', '--config', w.config]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('display.path: device /dev/teiki-no-such-display does not exist');
  });
});
