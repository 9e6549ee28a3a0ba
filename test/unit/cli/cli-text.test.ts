/** Small pieces of the command line's text: plurals, snake_case JSON, the package version. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commanderErrorLine } from '../../../device/cli/help.js';
import { snakeKeys } from '../../../device/cli/json.js';
import { plural } from '../../../device/cli/plural.js';
import { buildProgram } from '../../../device/cli/program.js';
import { readPackageVersion } from '../../../device/cli/version.js';

describe('plural', () => {
  it.each([
    [0, 'message', '0 messages'],
    [1, 'message', '1 message'],
    [2, 'message', '2 messages'],
    [1, 'batch', '1 batch'],
    [3, 'batch', '3 batches'],
    [1, 'bus', '1 bus'],
    [4, 'bus', '4 buses'],
    [1_200, 'pass', '1,200 passes'],
  ])('%i %s → %s', (n, noun, text) => {
    expect(plural(n, noun)).toBe(text);
  });
});

describe('snakeKeys', () => {
  it('puts every key of a JSON document in snake_case, nested ones too', () => {
    expect(
      snakeKeys({ cardChanges: 1, appliedAt: 'x', byStatus: { active: 2 }, list: [{ expiresAt: null }] }),
    ).toEqual({ card_changes: 1, applied_at: 'x', by_status: { active: 2 }, list: [{ expires_at: null }] });
  });
});

describe('the package version', () => {
  it('is read from package.json, from the sources as from dist/', () => {
    const root = resolve(import.meta.dirname, '../../..');
    const version = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).version;
    expect(readPackageVersion(resolve(root, 'device/cli'))).toBe(version);
    expect(readPackageVersion(resolve(root, 'dist/device/cli'))).toBe(version);
    expect(() => readPackageVersion('/')).toThrow(/no teiki-validator package.json/);
  });
});

describe("commander's errors", () => {
  it('come out as one `teiki: …` line naming the help to read', () => {
    const program = buildProgram({ version: '9.9.9' });
    const publish = program.commands
      .find((c) => c.name() === 'depot')!
      .commands.find((c) => c.name() === 'publish')!;
    expect(commanderErrorLine("error: unknown option '--kye'\n(Did you mean --key?)\n", publish)).toBe(
      `teiki: unknown option '--kye' (did you mean --key?); see "teiki depot publish --help"\n`,
    );
  });
});
