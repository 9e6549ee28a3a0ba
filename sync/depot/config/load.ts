/**
 * Finding and reading the depot config: `--config FILE`, else `$XDG_CONFIG_HOME/teiki/depot.json`
 * (`~/.config/teiki/depot.json` when XDG_CONFIG_HOME is unset, empty or relative, as the XDG Base
 * Directory spec says). A file named by `--config` must exist; the default one may be absent (no
 * defaults then). A bad file stops the command with exit 2 naming the file, the key and the reason.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, describeIssues } from '../../../device/config/load.js';
import { DEPOT_CONFIG_PATHS, type DepotConfig, DepotConfigSchema } from './schema.js';

export interface LoadedDepotConfig {
  readonly config: DepotConfig;
  /** The file read, or null when there was none (no `--config`, no default file). */
  readonly file: string | null;
}

/** `$XDG_CONFIG_HOME/teiki/depot.json`, or `~/.config/teiki/depot.json`. */
export function defaultDepotConfigPath(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.config');
  return join(base, 'teiki', 'depot.json');
}

/** Validates a parsed config; relative paths resolve against `baseDir` (the file's folder). */
export function parseDepotConfig(raw: unknown, source: string, baseDir: string): DepotConfig {
  const result = DepotConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${source}: ${describeIssues(result.error)}`);
  const config = structuredClone(result.data);
  for (const path of DEPOT_CONFIG_PATHS) {
    const holder = (path.length === 1 ? config : config[path[0]]) as Record<string, unknown> | undefined;
    const key = path[path.length - 1]!;
    const value = holder?.[key];
    if (holder && typeof value === 'string') holder[key] = resolve(baseDir, value);
  }
  return config;
}

export function loadDepotConfig(
  opts: { file?: string | undefined; env?: Readonly<Record<string, string | undefined>>; home?: string } = {},
): LoadedDepotConfig {
  const explicit = opts.file !== undefined;
  const file = opts.file ?? defaultDepotConfigPath(opts.env, opts.home);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // No default file is no defaults; a file asked for by name must be there.
    if (!explicit && (code === 'ENOENT' || code === 'ENOTDIR')) return { config: {}, file: null };
    throw new ConfigError(`${file}: cannot read (${code ?? String(err)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return { config: parseDepotConfig(raw, file, dirname(resolve(file))), file };
}
