/**
 * `teiki passes import` and `teiki network import`: replace the local list or network, all or
 * nothing. A summary as one JSON document (snake_case) on stdout; progress on stderr (a rewritten
 * line on a terminal, one line per stage with counts in a pipe or the journal); refusals as
 * `teiki: file:line: field: …` with exit 2; a data directory that cannot be created or opened
 * exits 4 with one line.
 */
import { statSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { ListDropRefusedError } from '../../imports/list-drop-guard.js';
import { importNetworkDir } from '../../imports/network-import.js';
import { importPassesFile } from '../../imports/passes-import.js';
import type { SalesFileFormat } from '../../imports/sales-export.js';
import type { InputSource } from '../../imports/text-source.js';
import type { ListStore } from '../../store/list-store.js';
import { CliError, EXIT } from '../errors.js';
import { estimateRows } from '../line-estimate.js';
import { plural } from '../plural.js';
import { createProgress } from '../progress.js';
import { ensureDataDir, openList } from '../stores.js';
import {
  networkSummary,
  parseMaxBytes,
  parseMaxDrop,
  passesSummary,
  stageLine,
  warnOffNetwork,
} from './imports-output.js';

const MAX_BYTES_HELP =
  'refuse an input (or a GTFS file) larger than this: bytes, or with K, M or G (binary units)';

export function registerImports(program: Command): void {
  const passes = program.command('passes').description('the local pass list');
  passes
    .command('import')
    .description(
      'replace the local pass list with a sales export (CSV, JSON Lines or JSON array; UTF-8 or ' +
        'Shift_JIS), all or nothing; rows are checked against the network in force',
    )
    .argument('<file>', 'sales export: .csv (header row), .jsonl/.ndjson or .json; "-" reads stdin')
    .requiredOption('--config <file>', 'validator config JSON (required)')
    .addOption(
      new Option('--format <format>', 'file format (default: from the file name, else the content)').choices([
        'csv',
        'jsonl',
        'json',
      ]),
    )
    .option(
      '--force',
      'go ahead even if more than --max-drop of the active passes would disappear (the drop guard)',
    )
    .option(
      '--max-drop <share>',
      'largest share of the active passes that may disappear without --force',
      '0.5',
    )
    .option('--max-bytes <size>', MAX_BYTES_HELP, '1G')
    .action(async (file: string, raw: Record<string, unknown>) => {
      const opts = raw as {
        config: string;
        format?: string;
        force?: boolean;
        maxDrop: string;
        maxBytes: string;
      };
      const format = parseFormat(opts.format);
      const maxDropRatio = parseMaxDrop(opts.maxDrop);
      const maxBytes = parseMaxBytes(opts.maxBytes);
      const config = loadConfig(opts.config);
      const source: InputSource = file === '-' ? { name: 'stdin', stream: process.stdin } : file;
      const list = openForImport(config);
      const progress = createProgress();
      const stages = stageLine('passes');
      // A bar's total on a terminal, from a regular file only: a pipe can be read but once.
      const total =
        progress.tty && file !== '-' && isRegularFile(file) ? await estimateRows(file) : undefined;
      try {
        const result = await importPassesFile(list, source, {
          format,
          force: opts.force === true,
          dropGuard: { maxDropRatio },
          input: { maxBytes, maxBytesHint: '--max-bytes' },
          // Off a terminal the stage lines below carry the counts; a bar is for a person watching.
          ...(progress.tty
            ? { onProgress: (n: number) => progress.update('passes: rows read', n, total) }
            : {}),
          onRead: (read) => {
            progress.end();
            stages.line(
              `${plural(read.rows, 'row')} read (${read.format}, ${read.encoding}), ` +
                `${read.networkChecked ? 'checked against the network in force' : 'no network to check against'}`,
            );
          },
        }).catch(storeFailure);
        for (const w of result.warnings) process.stderr.write(`teiki: warning: ${w}\n`);
        if (!result.networkChecked) {
          process.stderr.write(
            'teiki: warning: no network imported yet: areas and operators are checked when one is (teiki network import)\n',
          );
        }
        const info = list.info();
        stages.line(
          `list v${info.version} in force: ${plural(info.count, 'pass', 'passes')} (${info.active.toLocaleString('en-US')} active)`,
        );
        process.stdout.write(`${JSON.stringify(passesSummary(result, info))}\n`);
      } finally {
        progress.stop();
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
    .requiredOption('--config <file>', 'validator config JSON (required)')
    .option('--max-bytes <size>', MAX_BYTES_HELP, '1G')
    .action(async (dir: string, opts: { config: string; maxBytes: string }) => {
      const maxBytes = parseMaxBytes(opts.maxBytes);
      const config = loadConfig(opts.config);
      const list = openForImport(config);
      const stages = stageLine('network');
      try {
        const result = await importNetworkDir(list, dir, {
          input: { maxBytes, maxBytesHint: '--max-bytes' },
          onStage: (stage, counts) => stages.line(describeStage(stage, counts)),
        }).catch(storeFailure);
        // Not the version hash: 16 hex digits in a log read like an IDm (test/privacy).
        stages.line(`stored in ${config.data_dir}`);
        warnOffNetwork(result.passesOffNetwork);
        process.stdout.write(`${JSON.stringify(networkSummary(result))}\n`);
      } finally {
        list.close();
      }
    });
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function parseFormat(v: string | undefined): SalesFileFormat | undefined {
  if (v === undefined) return undefined;
  if (v === 'csv' || v === 'jsonl' || v === 'json') return v;
  throw new CliError(`--format must be csv, jsonl or json, not "${v}"`);
}

/** The data directory made (0700, one level at a time) and list.sqlite opened, or exit 4. */
function openForImport(config: Config): ListStore {
  ensureDataDir(config);
  try {
    return openList(config, { create: true });
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot open the local store in ${config.data_dir}: ${oneLine(err)}`, EXIT.store);
  }
}

/**
 * A store that opened but cannot be written (read-only filesystem, disk full, a locked or broken
 * file) is the store's failure (exit 4), not the input's; refusals pass through as they are.
 */
function storeFailure(err: unknown): never {
  if (err instanceof ListDropRefusedError) throw new CliError(err.message);
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    throw new CliError(`cannot write the local store: ${oneLine(err)} (${code})`, EXIT.store);
  }
  throw err;
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).replace(/\s+/g, ' ');
}

function describeStage(stage: string, c: Readonly<Record<string, number | string>>): string {
  const n = (k: string) => Number(c[k] ?? 0);
  switch (stage) {
    case 'core':
      return (
        `${plural(n('agencies'), 'agency', 'agencies')}, ${plural(n('routes'), 'route')}, ` +
        `${plural(n('stops'), 'stop')}, ${plural(n('trips'), 'trip')}, ${plural(n('stop_times'), 'stop time')} read`
      );
    case 'fares':
      return `${plural(n('fares'), 'fare')} (${c.fare_model}) from ${plural(n('fare_rules'), 'fare rule')}`;
    default:
      return `${plural(n('areas'), 'area')} covering ${plural(n('stop_areas'), 'stop')}`;
  }
}
