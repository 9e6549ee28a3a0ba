import { type Command, Option } from 'commander';
import { loadConfig } from '../../config/load.js';
import { isListStale } from '../../daemon/status-line.js';
import { evaluateTap } from '../../pipeline/evaluate.js';
import { timestampProblem } from '../../rules/dates.js';
import { CliError } from '../errors.js';
import { validatorConfigOption } from '../options.js';
import { openList, openRecordsIfAny } from '../stores.js';

interface CheckOpts {
  config: string;
  at?: string;
  route?: string;
  stop?: string;
  trip?: string;
  reader: 'boarding' | 'alighting';
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('judge one card against the local store and print the verdict as JSON; records nothing')
    .argument('<idm>', 'card IDm, 16 hex characters')
    .addOption(validatorConfigOption())
    .option('--at <iso>', 'judge at this time (ISO 8601 with offset); default now')
    .option('--route <route_id>', 'current route')
    .option('--stop <stop_id>', 'current stop (with --route)')
    .option('--trip <trip_id>', 'current trip (optional)')
    .addOption(
      new Option('--reader <role>', 'which reader').choices(['boarding', 'alighting']).default('boarding'),
    )
    .action((idmArg: string, opts: CheckOpts) => {
      if (!/^[0-9a-fA-F]{16}$/.test(idmArg))
        throw new CliError(`idm: must be 16 hex characters, got "${idmArg}"`);
      if ((opts.route === undefined) !== (opts.stop === undefined))
        throw new CliError('--route and --stop go together');
      // The one timestamp check (rules/dates.ts): 2026-02-30 is refused, not read as 2 March.
      const problem = opts.at === undefined ? null : timestampProblem(opts.at);
      if (problem) throw new CliError(`--at: "${opts.at}" ${problem}`);
      const now = opts.at === undefined ? Date.now() : Date.parse(opts.at);
      const config = loadConfig(opts.config);
      const idm = idmArg.toLowerCase();
      const list = openList(config);
      // Only reads: no records file is created, so a read-only data directory is fine (issue 12).
      const records = openRecordsIfAny(config);
      try {
        const stop =
          opts.route !== undefined && opts.stop !== undefined
            ? { route_id: opts.route, stop_id: opts.stop, trip_id: opts.trip, at: now }
            : null;
        const d = evaluateTap(
          {
            operator: config.vehicle.operator,
            settings: config.rules,
            lookup: (i) => list.lookup(i),
            network: list.network,
          },
          idm,
          opts.reader,
          now,
          stop,
          records?.openTapOn(idm) ?? null,
          isListStale(list.info(), now),
        );
        const out = {
          at: new Date(now).toISOString(),
          idm,
          reader: opts.reader,
          verdict: d.verdict,
          reason: d.reason,
          pass_id: d.pass_id,
          fare: d.fare,
          excess: d.excess,
          kind: d.pass?.kind ?? null,
          valid_until: d.pass?.valid_until ?? null,
        };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } finally {
        records?.close();
        list.close();
      }
    });
}
