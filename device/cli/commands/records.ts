import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { openRecords } from '../stores.js';

export function registerRecords(program: Command): void {
  const records = program.command('records').description('boarding records stored on this validator');
  records
    .command('list')
    .description('one JSON line per stored record, oldest first')
    .requiredOption('--config <file>', 'validator config JSON')
    .option('--json', 'JSON lines (the only format; accepted for symmetry with status)')
    .action((opts: { config: string }) => {
      const config = loadConfig(opts.config);
      const store = openRecords(config);
      try {
        for (const r of store.list()) {
          const line = {
            event_id: r.event_id,
            seq: r.seq,
            at: new Date(r.at).toISOString(),
            idm: r.idm,
            reader: r.reader,
            route: r.route,
            trip: r.trip,
            stop: r.stop,
            verdict: r.verdict,
            reason: r.reason,
            pass_id: r.pass_id,
            fare: r.fare,
            excess: r.excess,
            tap_on_event_id: r.tap_on_event_id,
            // The clock state at the tap (issue 7); null for records made before it was judged.
            clock: r.clock ?? null,
            uploaded: r.uploaded,
          };
          process.stdout.write(`${JSON.stringify(line)}\n`);
        }
      } finally {
        store.close();
      }
    });
}
