import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { type Config, ConfigSchema } from './schema.js';

/** A configuration that cannot be used. The message names the file, the key and the reason. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(message: string) {
    // One printable line for `teiki: …` on stderr, whatever control characters the file held
    // (JSON.parse quotes the text around an error; an unknown key is quoted as written).
    super(message.replace(/[\u0000-\u001f\u007f]+/g, ' '));
  }
}

/** `a.b[2].c` from a zod issue path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') {
        const base = formatPath(i.path);
        return i.keys.map((k) => `${base === '(root)' ? k : `${base}.${k}`}: unknown key`).join('; ');
      }
      return `${formatPath(i.path)}: ${i.message}`;
    })
    .join('; ');
}

/** Validates an already-parsed object. Relative `data_dir` is resolved against `baseDir`. */
export function parseConfig(raw: unknown, source: string, baseDir: string): Config {
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${source}: ${describeIssues(result.error)}`);
  const config = result.data;
  return { ...config, data_dir: resolve(baseDir, config.data_dir) };
}

export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseConfig(raw, file, dirname(resolve(file)));
}
