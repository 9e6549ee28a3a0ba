/**
 * Golden replay scenarios: every simulator/data/scenarios/<name>.json is replayed and its output
 * compared with test/golden/<name>.expected.jsonl. The expected lines were derived by hand from
 * DESIGN.md's decision rules and the sample data (see simulator/data/README.md), never by running
 * the code: when they disagree, read the rule before touching either side.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replayScenario } from '../../device/replay/replay.js';

const here = dirname(fileURLToPath(import.meta.url));
const scenarioDir = resolve(here, '../../simulator/data/scenarios');
const KEYS = ['at', 'idm', 'reader', 'verdict', 'reason', 'pass_id', 'fare', 'excess'] as const;

type Line = Record<string, unknown>;

function readExpected(name: string): Line[] {
  const text = readFileSync(join(here, `${name}.expected.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

/** Tap events of the scenario, to show which event a line answers. */
function tapEvents(file: string): Line[] {
  const scenario = JSON.parse(readFileSync(file, 'utf8')) as { events: Line[] };
  return scenario.events.filter((e) => 'tap' in e);
}

function show(line: Line | undefined): string {
  return line === undefined ? '(none)' : JSON.stringify(line);
}

/** A readable line-by-line diff: only the differing lines, with the tap they answer. */
function diff(expected: Line[], actual: Line[], taps: Line[]): string {
  const out: string[] = [];
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (JSON.stringify(e) === JSON.stringify(a)) continue;
    const fields = KEYS.filter((k) => JSON.stringify(e?.[k]) !== JSON.stringify(a?.[k]));
    out.push(
      `tap #${i} ${show(taps[i])}`,
      `  differs in: ${fields.join(', ')}`,
      `  expected: ${show(e)}`,
      `  actual:   ${show(a)}`,
    );
  }
  if (expected.length !== actual.length) {
    out.push(`line count: expected ${expected.length}, actual ${actual.length}`);
  }
  return out.join('\n');
}

const scenarios = readdirSync(scenarioDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('golden replay scenarios', () => {
  it('has scenarios to replay', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(4);
  });

  for (const file of scenarios) {
    const name = basename(file, '.json');
    it(name, async () => {
      const path = join(scenarioDir, file);
      const raw: string[] = [];
      await replayScenario(path, (line) => raw.push(line));

      const actual = raw.flatMap((chunk) => chunk.split('\n')).filter((l) => l.trim() !== '');
      const parsed = actual.map((l) => JSON.parse(l) as Line);
      for (const [i, line] of parsed.entries()) {
        expect(Object.keys(line), `key order of output line ${i}: ${actual[i]}`).toEqual([...KEYS]);
      }

      const expected = readExpected(name);
      const taps = tapEvents(path);
      expect(expected.length, `${name}.expected.jsonl has one line per tap event`).toBe(taps.length);
      const report = diff(expected, parsed, taps);
      if (report !== '') expect.fail(`replay of ${file} differs from ${name}.expected.jsonl:\n${report}`);
    });
  }
});
