/** The CLI as a person uses it: --help everywhere, check, status, imports with clear errors. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSyncState } from '../../sync/bus/status-state.js';
import { ROOT, runTeiki } from '../helpers/cli.js';
import { TEST_TRUST } from '../helpers/pinned-key.js';
import { DESIGN_IDM, importSample, makeWorkdir, SAMPLE_GTFS, type Workdir } from '../helpers/workdir.js';

let w: Workdir | undefined;
afterEach(() => {
  w?.cleanup();
  w = undefined;
});

describe('teiki CLI', () => {
  it.each([
    [[]],
    [['run']],
    [['replay']],
    [['passes', 'import']],
    [['network', 'import']],
    [['check']],
    [['status']],
    [['records', 'list']],
  ])('prints help for %j', async (args) => {
    const r = await runTeiki([...args, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: teiki/);
  });

  it('imports the sample data, reports counts, and shows them in status', async () => {
    w = makeWorkdir();
    const net = await runTeiki(['network', 'import', SAMPLE_GTFS, '--config', w.config]);
    expect(net.code).toBe(0);
    expect(JSON.parse(net.stdout).routes).toBeGreaterThan(3);
    await importSample(w);
    const s = await runTeiki(['status', '--config', w.config, '--json']);
    expect(s.code).toBe(0);
    const status = JSON.parse(s.stdout);
    expect(status.pass_list.version).toBe(1);
    expect(status.pass_list.count).toBeGreaterThan(10);
    expect(typeof status.network.version).toBe('string');
    expect(status.records.pending).toBe(0);
  });

  it('shows the software version, and counts in English with their plurals', async () => {
    w = makeWorkdir({ mqtt: { url: 'mqtts://broker.invalid:8883' }, trust: TEST_TRUST });
    await importSample(w);
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    const json = JSON.parse((await runTeiki(['status', '--config', w.config, '--json'])).stdout);
    expect(json.software_version).toBe(version);
    // A daemon (this test process stands in) that refused one sync message.
    writeSyncState(join(w.dir, 'data'), {
      pid: process.pid,
      updated_at: new Date().toISOString(),
      connected: true,
      rejected: { gap: 1 },
    });
    const one = await runTeiki(['status', '--config', w.config]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`software     teiki-validator ${version}\n`);
    expect(one.stdout).toMatch(/^sync {9}connected, 1 message refused$/m);
    expect(one.stdout).toMatch(/^network {6}\S+, \d+ routes, \d+ stops$/m);
    writeSyncState(join(w.dir, 'data'), {
      pid: process.pid,
      updated_at: new Date().toISOString(),
      connected: true,
      rejected: { gap: 1, bad_signature: 2 },
    });
    expect((await runTeiki(['status', '--config', w.config])).stdout).toMatch(/, 3 messages refused$/m);
  });

  it('checks a card without recording anything', async () => {
    w = makeWorkdir();
    await importSample(w);
    const r = await runTeiki([
      'check',
      DESIGN_IDM.toUpperCase(),
      '--config',
      w.config,
      '--at',
      '2026-04-01T07:58:05+09:00',
      '--route',
      '81',
      '--stop',
      'matsue-sta',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      idm: DESIGN_IDM,
      verdict: 'accept',
      reason: 'ok',
      reader: 'boarding',
      kind: 'commuter',
    });
    const after = await runTeiki([
      'check',
      DESIGN_IDM,
      '--config',
      w.config,
      '--at',
      '2026-04-01T07:58:05+09:00',
    ]);
    expect(JSON.parse(after.stdout).verdict).toBe('accept'); // the first check opened no tap-on
    const records = await runTeiki(['records', 'list', '--config', w.config]);
    expect(records.stdout).toBe('');
  });

  it('refuses a bad sales export whole, naming file, line and field, and keeps the old list', async () => {
    w = makeWorkdir();
    await importSample(w);
    const bad = join(w.dir, 'bad.csv');
    writeFileSync(
      bad,
      'pass_id,card_number,idm,kind,issuer,operators,valid_from,valid_until,fare_limit,area,status\n' +
        'X1,JW123456789012345,aaaaaaaaaaaaaaaa,commuter,matsue-city,matsue-city,2026-04-01,2026-04-30,300,,active\n' +
        'X2,JW123456789012346,zzzz,commuter,matsue-city,matsue-city,2026-04-01,2026-04-30,300,,active\n',
    );
    const r = await runTeiki(['passes', 'import', bad, '--config', w.config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv:3: idm/);
    const s = JSON.parse((await runTeiki(['status', '--config', w.config, '--json'])).stdout);
    expect(s.pass_list.version).toBe(1);
    const still = await runTeiki([
      'check',
      DESIGN_IDM,
      '--config',
      w.config,
      '--at',
      '2026-04-01T08:00:00+09:00',
    ]);
    expect(JSON.parse(still.stdout).verdict).toBe('accept');
  });

  it('says clearly when the pass list is missing', async () => {
    w = makeWorkdir();
    const r = await runTeiki(['check', DESIGN_IDM, '--config', w.config]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/no pass list at .*list\.sqlite/);
  });

  it('refuses a malformed IDm', async () => {
    w = makeWorkdir();
    const r = await runTeiki(['check', '0114', '--config', w.config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('idm: must be 16 hex characters');
  });
});
