/**
 * The install files beside the units: sysusers.d and tmpfiles.d applied by the real tools to a
 * scratch root (`--root=`; needs root to chown, skipped otherwise), the udev rules read back (no
 * udevadm here, and Debian 12's has no `verify`), the polkit rule run against a stand-in for
 * polkitd's `polkit` object.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const SYSTEMD = resolve(ROOT, 'systemd');
const scratch = mkdtempSync(join(tmpdir(), 'teiki-install-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (Debian package "systemd" is needed)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout + r.stderr;
}

describe('install files', () => {
  // Root, as for the pcscd tests (CI runs as root): fail loudly rather than skip, so a broken
  // install cannot hide behind a skipped test.
  it('sysusers.d makes teiki (in dialout) and teiki-depot; tmpfiles.d their config dirs', () => {
    if (process.getuid?.() !== 0)
      throw new Error('systemd-sysusers --root needs root: run the tests as root');
    const root = join(scratch, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\ndialout:x:20:\n');
    run('systemd-sysusers', [`--root=${root}`, join(SYSTEMD, 'sysusers.d/teiki.conf')]);
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    const group = readFileSync(join(root, 'etc/group'), 'utf8');
    expect(passwd).toMatch(/^teiki:x:\d+:\d+:[^:]*:\/var\/lib\/teiki:\/usr\/sbin\/nologin$/m);
    expect(passwd).toMatch(/^teiki-depot:x:\d+:/m);
    expect(group).toMatch(/^dialout:x:20:teiki$/m);
    const gid = (name: string) => Number(new RegExp(`^${name}:x:(\\d+):`, 'm').exec(group)![1]);

    run('systemd-tmpfiles', ['--create', `--root=${root}`, join(SYSTEMD, 'tmpfiles.d/teiki.conf')]);
    for (const [dir, owner] of [
      ['teiki', 'teiki'],
      ['teiki-depot', 'teiki-depot'],
    ] as const) {
      const st = statSync(join(root, 'etc', dir));
      expect(st.mode & 0o7777, dir).toBe(0o750);
      expect(st.uid, dir).toBe(0);
      expect(st.gid, dir).toBe(gid(owner));
    }
  });

  it('udev gives the display and the stop source stable names by vendor, product and serial', () => {
    const text = readFileSync(join(SYSTEMD, 'udev/70-teiki-serial.rules'), 'utf8');
    const rules = text
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
      .map((l) => {
        const pairs = l
          .split(/,\s*/)
          .map((p) => /^([A-Z_]+(?:\{[^}]+\})?)(==|!=|\+=|=|:=)"([^"]*)"$/.exec(p.trim()));
        expect(pairs.every(Boolean), l).toBe(true);
        return Object.fromEntries(pairs.map((m) => [`${m![1]}${m![2]}`, m![3]]));
      });
    expect(rules.map((r) => r['SYMLINK+=']).sort()).toEqual(['teiki-display', 'teiki-stops']);
    for (const r of rules) {
      expect(r).toMatchObject({ 'SUBSYSTEM==': 'tty', 'GROUP=': 'dialout', 'MODE=': '0660' });
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(['ATTRS{idVendor}==', 'ATTRS{idProduct}==', 'ATTRS{serial}==']),
      );
    }
    const example = JSON.parse(readFileSync(join(SYSTEMD, 'config.example.json'), 'utf8'));
    expect(example.display.path).toBe('/dev/teiki-display');
    expect(example.stop_source.path).toBe('/dev/teiki-stops');
  });

  describe('polkit rule for pcscd', () => {
    const source = readFileSync(join(SYSTEMD, 'polkit/50-teiki-pcscd.rules'), 'utf8');
    const Result = { YES: 'yes', NO: 'no', NOT_HANDLED: null };
    const rules: Array<(a: unknown, s: unknown) => unknown> = [];
    runInNewContext(source, {
      polkit: { Result, addRule: (f: (a: unknown, s: unknown) => unknown) => rules.push(f) },
    });
    const decide = (actionId: string, user: string) =>
      rules
        .map((r) => r({ id: actionId, lookup: () => undefined }, { user, isInGroup: () => false }))
        .find((x) => x);

    it('lets the teiki user reach pcscd and the cards', () => {
      expect(decide('org.debian.pcsc-lite.access_pcsc', 'teiki')).toBe('yes');
      expect(decide('org.debian.pcsc-lite.access_card', 'teiki')).toBe('yes');
    });

    it('decides nothing for anyone or anything else', () => {
      expect(decide('org.debian.pcsc-lite.access_pcsc', 'www-data')).toBeFalsy();
      expect(decide('org.freedesktop.login1.reboot', 'teiki')).toBeFalsy();
    });

    it('is plain ES5, which the duktape engine of Debian 12 polkitd runs', () => {
      const code = source.replace(/\/\/.*$/gm, '');
      expect(code).not.toMatch(/=>|`|\b(let|const|class)\s/);
    });
  });
});
