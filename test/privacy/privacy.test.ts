import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../device/log/logger.js';
import { RecordStore } from '../../device/store/record-store.js';
import { FakeClock } from '../../simulator/fakes/fake-clock.js';
import { checkpointDbFile } from '../../sync/bus/cron-checkpoint.js';
import { createSyncJobs } from '../../sync/bus/cron-jobs.js';
import { ROOT, runTeiki, TeikiProcess } from '../helpers/cli.js';
import { makeWorkdir, SAMPLE_GTFS, type Workdir } from '../helpers/workdir.js';

/**
 * Issue 7, privacy: boarding records and pass lists are personal data. A full run at info level
 * (network and pass imports, a refused import, `teiki run` with taps of every kind, `teiki check`,
 * `teiki replay --log-level info`) never logs a full IDm or an unmasked card number; acknowledged
 * records are purged after the retention, leaving no trace in the database file; the data
 * directory is created 0700 and the records database is private to the service user.
 */
const IDM = {
  now: '0114b3a1c2d3e4f5',
  old: '0114b3a1c2d3e504',
  moved: '0114b3a1c2d3e5a7',
  movedTo: '0114b3a1c2d3e5b8',
  unknown: '0114b3a1c2d3ffee',
};
const CARDS = ['JW100000000000001', 'JW100000000000002', 'JW100000000000003'];
const HEADER = 'pass_id,card_number,idm,kind,issuer,operators,valid_from,valid_until,fare_limit,area,status';
const day = (offset: number) =>
  new Date(Date.now() + 9 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);
const row = (id: string, card: string, idm: string, from: number, to: number) =>
  `${id},${card},${idm},commuter,matsue-city,matsue-city,${day(from)},${day(to)},240,,active`;

let w: Workdir;
let dataDir: string;
/** Every line a person or a log collector would see: stderr of every command, the daemon's log. */
const logs: string[] = [];

function keep(where: string, text: string): void {
  for (const line of text.split('\n')) if (line.trim()) logs.push(`${where}: ${line}`);
}

async function teiki(args: string[], expectCode = 0): Promise<string> {
  const r = await runTeiki([...args]);
  keep(args.slice(0, 2).join(' '), r.stderr);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(expectCode);
  return r.stdout;
}

beforeAll(async () => {
  w = makeWorkdir({
    readers: [
      { driver: 'sim', role: 'boarding' },
      { driver: 'sim', role: 'alighting' },
    ],
    stop_source: { driver: 'sim' },
    log: { level: 'info' },
  });
  dataDir = join(w.dir, 'state', 'teiki');
  const cfg = JSON.parse(readFileSync(w.config, 'utf8'));
  writeFileSync(w.config, JSON.stringify({ ...cfg, data_dir: dataDir }));
  const file = (name: string, rows: string[]) => {
    const path = join(w.dir, name);
    writeFileSync(path, `${[HEADER, ...rows].join('\n')}\n`);
    return path;
  };
  const a = file('a.csv', [
    row('MC-NOW', CARDS[0]!, IDM.now, -30, 30),
    row('MC-OLD', CARDS[1]!, IDM.old, -60, -1),
    row('MC-MOVE', CARDS[2]!, IDM.moved, -30, 30),
  ]);
  // A later export: MC-MOVE is on another card now (a change of card).
  const b = file('b.csv', [
    row('MC-NOW', CARDS[0]!, IDM.now, -30, 30),
    row('MC-OLD', CARDS[1]!, IDM.old, -60, -1),
    row('MC-MOVE', CARDS[2]!, IDM.movedTo, -30, 30),
  ]);
  // A bad export: wrong card number and IDm shapes, a duplicate: refused, naming fields only.
  const bad = file('bad.csv', [
    row('MC-NOW', 'JW1000000000000019', IDM.now, -30, 30),
    row('MC-X', CARDS[1]!, `${IDM.old}0`, -30, 30),
    row('MC-NOW', CARDS[0]!, IDM.now, -30, 30),
  ]);
  await teiki(['network', 'import', SAMPLE_GTFS, '--config', w.config]);
  await teiki(['passes', 'import', a, '--config', w.config]);
  await teiki(['passes', 'import', b, '--config', w.config]);
  await teiki(['passes', 'import', bad, '--config', w.config], 2);

  const proc = new TeikiProcess(['run', '--config', w.config]);
  try {
    await proc.waitFor((l) => l.msg === 'ready');
    // Rejects first (seq 1-3: acknowledged and purged below), then a ride.
    proc.send(
      `stop 81 matsue-sta\ntap ${IDM.old} boarding\ntap ${IDM.moved} boarding\ntap ${IDM.unknown} boarding\n`,
    );
    await proc.waitFor((l) => l.msg === 'tap' && l.reason === 'no_pass');
    proc.send(
      `tap ${IDM.now.toUpperCase()} boarding\ntap ${IDM.now} boarding\ntap ${IDM.movedTo} boarding\n`,
    );
    proc.send(`foreign boarding\ntap ${IDM.now} sideways\ntap ${IDM.now}zz boarding\n`);
    proc.send(`stop 81 ${'x'.repeat(3)}\ntap ${IDM.now} alighting\n`);
    await proc.waitFor((l) => l.msg === 'tap' && l.reader === 'alighting');
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  } finally {
    proc.kill('SIGKILL');
    for (const l of proc.lines) logs.push(`run: ${JSON.stringify(l)}`);
    keep('run stderr', proc.stderr);
  }
  await teiki(['check', IDM.now, '--config', w.config]);
  await teiki(['status', '--config', w.config]);
  const replay = await runTeiki([
    'replay',
    join(ROOT, 'simulator/data/scenarios/morning-commute.json'),
    '--log-level',
    'info',
  ]);
  expect(replay.code).toBe(0);
  keep('replay', replay.stderr);
}, 120_000);

afterAll(() => w?.cleanup());

describe('privacy', () => {
  it('no log line holds a full IDm or an unmasked card number', () => {
    expect(logs.filter((l) => l.startsWith('run:')).length).toBeGreaterThan(10);
    expect(logs.some((l) => l.includes('"msg":"tap"'))).toBe(true);
    const replayIdms = JSON.parse(
      readFileSync(join(ROOT, 'simulator/data/scenarios/morning-commute.json'), 'utf8'),
    ).events.flatMap((e: { tap?: { idm: string } }) => (e.tap ? [e.tap.idm.toLowerCase()] : []));
    const known = [...Object.values(IDM), ...replayIdms];
    // Hashes that are not personal data: the network's version and a depot key id.
    const scrub = (l: string) => l.replace(/"(network_version|key_id|version)":"[0-9a-f]+"/g, '');
    const leaks = logs.map(scrub).filter(
      (l) =>
        known.some((idm) => l.toLowerCase().includes(idm)) ||
        /JW\d{15}/.test(l) ||
        // Any standalone run of exactly 16 hex digits looks like an IDm.
        /(?<![0-9A-Fa-f])[0-9A-Fa-f]{16}(?![0-9A-Fa-f])/.test(l),
    );
    expect(leaks).toEqual([]);
    // The masked forms are there: the logs still help a person find a tap.
    expect(logs.some((l) => l.includes('0114**********f5'))).toBe(true);
    process.stdout.write(
      `${JSON.stringify({ fault: 'privacy logs', lines: logs.length, leaks: leaks.length })}\n`,
    );
  });

  it("the data directory is created 0700, and every database and state file in it is the owner's only", () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(w.dir, 'state')).mode & 0o777).toBe(0o700);
    const perms = Object.fromEntries(
      readdirSync(dataDir).map((f) => [f, (statSync(join(dataDir, f)).mode & 0o777).toString(8)]),
    );
    expect(Object.keys(perms)).toEqual(expect.arrayContaining(['records.sqlite', 'list.sqlite']));
    for (const [f, mode] of Object.entries(perms)) expect(mode, f).toBe('600');
    process.stdout.write(`${JSON.stringify({ fault: 'privacy perms', ...perms })}\n`);
  });

  it('`teiki run` on a fresh machine creates the data directory 0700 itself', async () => {
    const fresh = join(w.dir, 'fresh', 'var', 'teiki');
    const cfg = JSON.parse(readFileSync(w.config, 'utf8'));
    const config = join(w.dir, 'fresh.json');
    writeFileSync(config, JSON.stringify({ ...cfg, data_dir: fresh }));
    const proc = new TeikiProcess(['run', '--config', config]);
    try {
      await proc.waitFor((l) => l.msg === 'ready');
      proc.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    } finally {
      proc.kill('SIGKILL');
    }
    for (const d of [fresh, join(w.dir, 'fresh', 'var'), join(w.dir, 'fresh')]) {
      expect((statSync(d).mode & 0o777).toString(8), d).toBe('700');
    }
    expect((statSync(join(fresh, 'records.sqlite')).mode & 0o777).toString(8)).toBe('600');
  });

  it('acknowledged records are purged after the retention, leaving no trace in the file; pending ones stay', async () => {
    const path = join(dataDir, 'records.sqlite');
    const clock = new FakeClock(Date.now());
    const store = RecordStore.open(path, 'bus-101', { clock });
    try {
      const all = [...store.list()];
      expect(all.slice(0, 3).map((r) => r.idm)).toEqual([IDM.old, IDM.moved, IDM.unknown]);
      expect(store.markUploadedRange(1, 3)).toBe(3);
      const jobs = createSyncJobs({
        vehicleId: 'bus-101',
        settings: { retention_days: 7 },
        clock,
        logger: silentLogger(),
        records: store,
        list: {
          info: () => ({
            version: null,
            count: 0,
            active: 0,
            changes: 0,
            appliedAt: null,
            expiresAt: null,
            source: null,
          }),
        },
        databases: [path],
      });
      clock.advance(6 * 86_400_000);
      expect((await jobs.purge()).result).toEqual({ purged: 0 });
      clock.advance(2 * 86_400_000);
      expect((await jobs.purge()).result).toEqual({ purged: 3 });
      // Pending records are never purged, however old.
      clock.advance(365 * 86_400_000);
      expect((await jobs.purge()).result).toEqual({ purged: 0 });
      expect([...store.list()].map((r) => r.seq)).toEqual(all.slice(3).map((r) => r.seq));
      await jobs.wal_checkpoint();
    } finally {
      store.close();
    }
    // Forensics: the purged riders' IDms are nowhere in the database files any more.
    const bytes = readdirSync(dataDir)
      .filter((f) => f.startsWith('records.sqlite'))
      .map((f) => readFileSync(join(dataDir, f)).toString('latin1'))
      .join('');
    for (const idm of [IDM.old, IDM.moved, IDM.unknown]) expect(bytes.includes(idm), idm).toBe(false);
    expect(bytes.includes(IDM.now)).toBe(true);
    expect(checkpointDbFile(path)?.busy).toBe(0);
  });
});
