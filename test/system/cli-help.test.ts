/**
 * The command line as one whole (issue 11): every command answers --help, required options are
 * marked in it, and one option name means one thing in every command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../device/cli/program.js';
import { ROOT, runTeiki } from '../helpers/cli.js';

const program = buildProgram({ version: '0.0.0-test' });
const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
const commands = all(program).filter((c) => c.name() !== 'help');
const pathOf = (c: Command): string[] => (c.parent ? [...pathOf(c.parent), c.name()] : []);
const isDepot = (c: Command) => pathOf(c)[0] === 'depot';
const visible = (c: Command) => c.options.filter((o) => !o.hidden && o.long !== '--version');
/** The meaning of an option: its description without the per-command "(required…)"/"(default…)". */
const meaning = (o: Option) => o.description.replace(/ \((required|default)[^()]*(\([^()]*\)[^()]*)*\)$/, '');

describe('teiki --help', () => {
  it('every command answers --help with its usage, exit 0', async () => {
    expect(commands.length).toBeGreaterThan(15);
    // Four at a time: the machine's two cores are shared with the rest of the suite.
    const results: Awaited<ReturnType<typeof runTeiki>>[] = [];
    for (let i = 0; i < commands.length; i += 4) {
      const batch = commands.slice(i, i + 4).map((c) => runTeiki([...pathOf(c), '--help']));
      results.push(...(await Promise.all(batch)));
    }
    for (const [i, c] of commands.entries()) {
      const r = results[i]!;
      expect(r.code, pathOf(c).join(' ')).toBe(0);
      expect(r.stdout).toContain(`Usage: ${['teiki', ...pathOf(c)].join(' ')}`);
      expect(r.stderr).toBe('');
    }
  }, 240_000);

  it('marks every required option as required', () => {
    let mandatory = 0;
    for (const c of commands) {
      const help = c.helpInformation();
      for (const o of visible(c).filter((x) => x.mandatory)) {
        mandatory++;
        const line = help
          .slice(help.indexOf(o.flags))
          .split(/\n {2}-/)[0]!
          .replace(/\s+/g, ' ');
        expect(line, `${pathOf(c).join(' ')} ${o.flags}`).toContain('(required)');
      }
    }
    expect(mandatory).toBeGreaterThanOrEqual(8);
  });

  it('marks the depot settings a command cannot do without, that the depot config may give', () => {
    const depot = (name: string) => commands.find((c) => pathOf(c).join(' ') === `depot ${name}`)!;
    const required = (c: Command) =>
      visible(c)
        .filter((o) => o.description.includes('(required: here or as'))
        .map((o) => o.long)
        .sort();
    expect(required(depot('publish'))).toEqual(['--mqtt', '--network', '--signing-key', '--state']);
    expect(required(depot('collect'))).toEqual(['--state']);
    expect(required(depot('fleet'))).toEqual(['--mqtt']);
    // No surprising default state directory (issue 14): it comes from the person or the config.
    expect(depot('publish').options.find((o) => o.long === '--state')!.defaultValue).toBeUndefined();
  });

  it('gives one option name one meaning in every command', () => {
    const byName = new Map<string, Array<{ where: string; meaning: string; depot: boolean }>>();
    for (const c of commands) {
      for (const o of visible(c)) {
        const uses = byName.get(o.long!) ?? [];
        uses.push({ where: pathOf(c).join(' '), meaning: meaning(o), depot: isDepot(c) });
        byName.set(o.long!, uses);
      }
    }
    for (const [name, uses] of byName) {
      if (name === '--config') {
        // The config file of the command's side: the validator's, or the depot's.
        for (const u of uses)
          expect(u.meaning, u.where).toMatch(u.depot ? /^depot config JSON/ : /^validator config JSON$/);
        continue;
      }
      const meanings = new Set(uses.map((u) => u.meaning));
      expect([...meanings], `${name} in ${uses.map((u) => u.where).join(', ')}`).toHaveLength(1);
    }
    // The names issue 11 settled: no bare --key or --cert, whose meaning changed per command.
    for (const gone of ['--key', '--cert', '--client-key']) expect(byName.has(gone), gone).toBe(false);
    expect(byName.get('--signing-key')![0]!.meaning).toMatch(/signing key/);
    expect(byName.get('--tls-key')![0]!.meaning).toMatch(/TLS client certificate's private key/);
    expect(byName.get('--tls-cert')![0]!.meaning).toMatch(/TLS client certificate/);
    expect(
      byName
        .get('--ca')!
        .map((u) => u.where)
        .sort(),
    ).toEqual(['depot collect', 'depot fleet', 'depot publish']);
  });

  it('prints the package version with --version', async () => {
    const r = await runTeiki(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
  }, 60_000);
});
