import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { importNetworkDir } from '../../imports/network-import.js';
import { importPassesFile } from '../../imports/passes-import.js';
import { progressLine } from '../progress.js';
import { openList } from '../stores.js';

export function registerImports(program: Command): void {
  const passes = program.command('passes').description('the local pass list');
  passes
    .command('import')
    .description(
      'replace the local pass list with a sales export (CSV, JSON Lines or JSON array), all or nothing',
    )
    .argument('<file>', 'sales export: .csv (header row), .jsonl/.ndjson or .json')
    .requiredOption('--config <file>', 'validator config JSON')
    .action(async (file: string, opts: { config: string }) => {
      const config = loadConfig(opts.config);
      const list = openList(config, { create: true });
      const progress = progressLine('passes');
      try {
        const counts = await importPassesFile(list, file, { onProgress: progress.update });
        progress.done();
        process.stdout.write(`${JSON.stringify({ imported: file, ...counts, list: list.info() })}\n`);
      } finally {
        progress.done();
        list.close();
      }
    });

  const network = program.command('network').description('the local network (GTFS)');
  network
    .command('import')
    .description('replace the local network with a GTFS / GTFS-JP feed directory, all or nothing')
    .argument(
      '<dir>',
      'GTFS feed directory (agency, routes, stops, trips, stop_times; fares and areas optional)',
    )
    .requiredOption('--config <file>', 'validator config JSON')
    .action(async (dir: string, opts: { config: string }) => {
      const config = loadConfig(opts.config);
      const list = openList(config, { create: true });
      try {
        const counts = await importNetworkDir(list, dir);
        process.stdout.write(`${JSON.stringify({ imported: dir, ...counts })}\n`);
      } finally {
        list.close();
      }
    });
}
