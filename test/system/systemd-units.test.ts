/**
 * The unit files in systemd/. `systemd-analyze verify` parses every directive the way PID 1 would
 * (an unknown key or a bad value is only a warning to it, so the test also demands silence about
 * our files) and checks that ExecStart's binary exists; it does not start anything, check that
 * the User= exists, or try the sandbox. ExecStart names the bus's bundled Node, absent here, so the
 * test verifies a copy that runs this machine's node instead. `security --offline` scores the
 * hardening. The directives the design relies on are then read back one by one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runTeiki } from '../helpers/cli.js';

const UNITS = ['teiki-validator.service', 'teiki-depot-collector.service'] as const;
const BUNDLED_NODE = '/opt/teiki/current/node/bin/node';
const work = mkdtempSync(join(tmpdir(), 'teiki-units-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Unit = Record<string, Record<string, string[]>>;

/**
 * systemd.syntax(7), enough for our files: sections, `Key=Value`, comments, repeated keys, and
 * lines continued with a trailing backslash.
 */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1]!;
      unit[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    const values = unit[section] ?? {};
    unit[section] = values;
    values[key] = [...(values[key] ?? []), line.slice(eq + 1)];
  }
  return unit;
}

function unitText(name: string): string {
  return readFileSync(resolve(ROOT, 'systemd', name), 'utf8');
}

/** A copy whose ExecStart runs an executable that exists on this machine. */
function runnableCopy(name: string): string {
  const file = join(work, name);
  writeFileSync(file, unitText(name).replaceAll(BUNDLED_NODE, process.execPath));
  return file;
}

function systemdAnalyze(args: string[]): { code: number | null; out: string } {
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
  if (r.error) {
    throw new Error(`systemd-analyze: ${r.error.message} (Debian package "systemd" is needed for this test)`);
  }
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('systemd units', () => {
  it.each(UNITS)('%s passes systemd-analyze verify without a warning', (name) => {
    const r = systemdAnalyze(['verify', '--man=no', runnableCopy(name)]);
    const aboutUs = r.out.split('\n').filter((l) => l.includes(name));
    expect(aboutUs).toEqual([]);
    expect(r.code).toBe(0);
  });

  it.each(UNITS)(
    '%s keeps its hardening (systemd-analyze security --offline: exposure at most 2.5)',
    (name) => {
      // --threshold counts tenths: 25 = an overall exposure of 2.5 (out of 10; 1.8 and 1.4 today).
      const r = systemdAnalyze([
        'security',
        '--offline=true',
        '--threshold=25',
        '--no-pager',
        runnableCopy(name),
      ]);
      expect(r.code, r.out.split('\n').slice(-3).join('\n')).toBe(0);
    },
  );

  it('runs the validator as a watched Type=notify service of a static user', () => {
    const s = parseUnit(unitText('teiki-validator.service')).Service!;
    const one = (k: string) => s[k]?.at(-1);
    expect(one('Type')).toBe('notify');
    // systemd-notify is a child process, not the main PID.
    expect(one('NotifyAccess')).toBe('all');
    expect(one('WatchdogSec')).toMatch(/^\d+s$/);
    expect(one('Restart')).toBe('on-failure');
    expect(one('RestartSec')).toBeDefined();
    expect(one('RestartPreventExitStatus')).toBe('2');
    expect(one('KillMode')).toBe('mixed');
    expect(one('User')).toBe('teiki');
    expect(one('SupplementaryGroups')).toContain('dialout');
    expect(one('StateDirectory')).toBe('teiki');
    for (const [k, v] of Object.entries({
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      NoNewPrivileges: 'yes',
      DevicePolicy: 'closed',
    })) {
      expect(one(k), k).toBe(v);
    }
    expect(one('RestrictAddressFamilies')?.split(/\s+/).sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_UNIX']);
    expect(s.DeviceAllow).toEqual(['char-ttyUSB rw', 'char-ttyACM rw']);
    const unit = parseUnit(unitText('teiki-validator.service')).Unit!;
    expect(unit.StartLimitBurst).toBeDefined();
    expect(unit.StartLimitIntervalSec).toBeDefined();
  });

  it.each(UNITS)('%s never sets MemoryDenyWriteExecute (V8 needs writable, executable memory)', (name) => {
    expect(parseUnit(unitText(name)).Service?.MemoryDenyWriteExecute).toBeUndefined();
  });

  it.each(UNITS)('%s starts the teiki command the package builds', (name) => {
    const bin = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).bin.teiki as string;
    const exec = parseUnit(unitText(name)).Service!.ExecStart![0]!.split(/\s+/);
    expect(exec[0]).toBe(BUNDLED_NODE);
    expect(exec[1]).toBe(`/opt/teiki/current/${bin}`);
  });

  it('runs the depot collector as teiki depot collect, as its own user', () => {
    const s = parseUnit(unitText('teiki-depot-collector.service')).Service!;
    const args = s.ExecStart![0]!.split(/\s+/);
    expect(args.slice(2, 4)).toEqual(['depot', 'collect']);
    expect(args[args.indexOf('--state') + 1]).toBe(`/var/lib/${s.StateDirectory![0]}`);
    // systemd expands the variable from EnvironmentFile= (systemd.service(5), "Command lines").
    expect(args[args.indexOf('--mqtt') + 1]).toBe(`\${TEIKI_MQTT_URL}`);
    expect(s.EnvironmentFile).toEqual(['/etc/teiki-depot/collector.env']);
    expect(s.User).toEqual(['teiki-depot']);
    expect(s.PrivateDevices).toEqual(['yes']);
  });

  it.each(UNITS)('%s passes only options its teiki command knows', async (name) => {
    const args = parseUnit(unitText(name)).Service!.ExecStart![0]!.split(/\s+/).slice(2);
    const command = args.slice(
      0,
      args.findIndex((a) => a.startsWith('--')),
    );
    const help = await runTeiki([...command, '--help']);
    expect(help.code).toBe(0);
    for (const flag of args.filter((a) => a.startsWith('--')))
      expect(help.stdout, flag).toContain(`${flag} <`);
  });

  it('verify notices a broken directive (the check above is not vacuous)', () => {
    const file = join(work, 'broken.service');
    writeFileSync(
      file,
      readFileSync(runnableCopy('teiki-validator.service'), 'utf8').replace('Type=notify', 'Type=notifyy'),
    );
    const r = systemdAnalyze(['verify', '--man=no', file]);
    expect(r.out).toContain('broken.service');
    expect(r.out).toContain('Failed to parse service type');
  });
});
