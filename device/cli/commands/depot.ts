import type { Command } from 'commander';
import { registerDepotLists } from './depot-lists.js';
import { registerDepotRecords } from './depot-records.js';
import { registerDepotTls } from './depot-tls.js';

/** `teiki depot …`: the depot's tools (keys, publish, collect, fleet). */
export function registerDepot(program: Command): void {
  const depot = program
    .command('depot')
    .description('depot tools: signing keys, list publishing, record collection, fleet status');
  registerDepotLists(depot);
  registerDepotRecords(depot);
  registerDepotTls(depot);
}
