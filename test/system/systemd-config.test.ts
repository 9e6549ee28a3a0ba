/**
 * The bus configuration as installed: the example in systemd/ is a valid config, the install guide
 * explains every key the schema has (so a new key cannot ship undocumented), and data_dir's
 * default is the directory the unit lets the service write.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { parseConfig } from '../../device/config/load.js';
import { ConfigSchema } from '../../device/config/schema.js';
import { ROOT } from '../helpers/cli.js';

const SYSTEMD = resolve(ROOT, 'systemd');

/** Leaf key paths of a zod schema: `display.baud`, `readers[].role`, `trust.depot_public_keys`. */
function keyPaths(schema: z.ZodType, path = ''): string[] {
  const def = schema._zod.def as {
    type: string;
    innerType?: z.ZodType;
    element?: z.ZodType;
    shape?: Record<string, z.ZodType>;
  };
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
      return keyPaths(def.innerType!, path);
    case 'array': {
      const inner = keyPaths(def.element!, `${path}[]`);
      // An array of plain values is one key; an array of objects has keys of its own.
      return inner.length === 1 && inner[0] === `${path}[]` ? [path] : inner;
    }
    case 'object':
      return Object.entries(def.shape!).flatMap(([k, v]) => keyPaths(v, path ? `${path}.${k}` : k));
    default:
      return [path];
  }
}

describe('bus configuration as installed', () => {
  const example = JSON.parse(readFileSync(resolve(SYSTEMD, 'config.example.json'), 'utf8'));

  it('ships an example config that the schema accepts', () => {
    const config = parseConfig(example, 'config.example.json', '/etc/teiki');
    expect(config.display).toMatchObject({ driver: 'serial', path: '/dev/teiki-display' });
    expect(config.readers.map((r) => r.driver)).toEqual(['pcsc', 'pcsc']);
  });

  it('explains every config key in the install guide', () => {
    const guide = readFileSync(resolve(SYSTEMD, 'README.md'), 'utf8');
    const paths = keyPaths(ConfigSchema);
    expect(paths).toContain('readers[].match');
    expect(paths).toContain('trust.depot_public_keys');
    expect(paths.filter((p) => !guide.includes(`\`${p}\``))).toEqual([]);
  });

  it("keeps data_dir's default in the unit's StateDirectory", () => {
    const unit = readFileSync(resolve(SYSTEMD, 'teiki-validator.service'), 'utf8');
    const state = /^StateDirectory=(\S+)$/m.exec(unit)?.[1];
    const defaults = ConfigSchema.parse({ vehicle: { id: 'bus-1', operator: 'matsue-city' } });
    expect(defaults.data_dir).toBe(`/var/lib/${state}`);
    expect(example.data_dir).toBe(defaults.data_dir);
  });
});
