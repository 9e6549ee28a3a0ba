/** A temporary validator setup: config file and data dir, optionally with the sample data imported. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, runTeiki } from './cli.js';

export const SAMPLE_GTFS = resolve(ROOT, 'simulator/data/gtfs-matsue');
export const SAMPLE_PASSES = resolve(ROOT, 'simulator/data/passes-sample.csv');
/** The DESIGN.md example card: an active commuter pass on matsue-city route 81 in April 2026. */
export const DESIGN_IDM = '0114b3a1c2d3e4f5';

/** Config keys for `teiki run` driven from stdin: both readers and the stop source on the console. */
export const CONSOLE_CONFIG = {
  readers: [
    { driver: 'sim', role: 'boarding' },
    { driver: 'sim', role: 'alighting' },
  ],
  stop_source: { driver: 'sim' },
};

export interface Workdir {
  dir: string;
  config: string;
  cleanup(): void;
}

export function makeWorkdir(configOver: Record<string, unknown> = {}): Workdir {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-test-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify(
      { vehicle: { id: 'bus-101', operator: 'matsue-city' }, data_dir: join(dir, 'data'), ...configOver },
      null,
      2,
    ),
  );
  return { dir, config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function importSample(w: Workdir, opts: { passes?: string } = {}): Promise<void> {
  const net = await runTeiki(['network', 'import', SAMPLE_GTFS, '--config', w.config]);
  if (net.code !== 0) throw new Error(`network import failed: ${net.stderr}`);
  const passes = await runTeiki(['passes', 'import', opts.passes ?? SAMPLE_PASSES, '--config', w.config]);
  if (passes.code !== 0) throw new Error(`passes import failed: ${passes.stderr}`);
}

const HEADER = 'pass_id,card_number,idm,kind,issuer,operators,valid_from,valid_until,fare_limit,area,status';

/**
 * A small export valid around today (for tests of `teiki run`, which decides on the real clock):
 * DESIGN_IDM holds an active ¥240 commuter pass on matsue-city from 30 days ago to 30 days ahead.
 */
export function writeCurrentPasses(w: Workdir): string {
  const day = (offset: number) =>
    new Date(Date.now() + 9 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);
  const file = join(w.dir, 'current.csv');
  writeFileSync(
    file,
    [
      HEADER,
      `MC-NOW,JW100000000000001,${DESIGN_IDM},commuter,matsue-city,matsue-city,${day(-30)},${day(30)},240,,active`,
      `MC-OLD,JW100000000000002,0114b3a1c2d3e504,commuter,matsue-city,matsue-city,${day(-60)},${day(-1)},240,,active`,
    ].join('\n'),
  );
  return file;
}
