import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { jsonOption, validatorConfigOption } from '../options.js';
import { openRecords } from '../stores.js';

export function registerRecords(program: Command): void {
  const records = program.command('records').description('boarding records stored on this validator');
  records
    .command('list')
    .description('one JSON line per stored record, oldest first')
    .addOption(validatorConfigOption())
    // JSON lines are the only format; --json is accepted so every listing takes it.
    .addOption(jsonOption())
    .action((opts: { config: string }) => {
      const config = loadConfig(opts.config);
      const store = openRecords(config);
      try {
        for (const r of store.list()) {
          // The stored record as it is, with a readable time; `clock` is the clock state at the
          // tap (issue 7), null for records made before it was judged.
          const line = { ...r, at: new Date(r.at).toISOString(), clock: r.clock ?? null };
          process.stdout.write(`${JSON.stringify(line)}\n`);
        }
      } finally {
        store.close();
      }
    });
}
