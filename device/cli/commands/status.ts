import type { Command } from 'commander';
import { isProcessAlive, readSyncState } from '../../../sync/bus/status-state.js';
import { loadConfig } from '../../config/load.js';
import { readRecordsState } from '../../daemon/records-state-file.js';
import { probeDataDir } from '../../daemon/storage-state.js';
import { passListJson, printJson } from '../json.js';
import { jsonOption, validatorConfigOption } from '../options.js';
import { plural } from '../plural.js';
import { openList, openRecordsIfAny } from '../stores.js';

export function registerStatus(program: Command, opts: { version: string }): void {
  program
    .command('status')
    .description('pass list, network, sync and records of this validator, and the software version')
    .addOption(validatorConfigOption())
    .addOption(jsonOption())
    .action((flags: { config: string; json?: boolean }) => {
      const config = loadConfig(flags.config);
      const list = openList(config, { create: true });
      const records = openRecordsIfAny(config);
      try {
        const info = list.info();
        const net = list.network.info();
        // The daemon is another process: its link state comes from the file it keeps in data_dir.
        const state = readSyncState(config.data_dir);
        const daemonAlive = state !== null && isProcessAlive(state.pid);
        const status = {
          vehicle: config.vehicle,
          /** The installed package (what `teiki run` publishes in the bus status once restarted). */
          software_version: opts.version,
          pass_list: passListJson(info),
          network: {
            version: net.version,
            imported_at: net.importedAt,
            routes: net.routes,
            stops: net.stops,
          },
          sync: {
            configured: Boolean(config.mqtt.url),
            connected: daemonAlive && state.connected,
            last_connected_at: state?.last_connected_at ?? null,
            last_applied_at: state?.last_applied_at ?? (info.source === 'sync' ? info.appliedAt : null),
            rejected: state?.rejected ?? {},
            last_ack_at: state?.last_ack_at ?? null,
            /** When the daemon last wrote its sync state (null: never ran with sync). */
            updated_at: state?.updated_at ?? null,
          },
          records: { pending: records?.pendingCount() ?? 0, ...recordsStorage(config.data_dir) },
        };
        if (flags.json) printJson(status);
        else {
          const s = status.sync;
          const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
          const list =
            info.version === null
              ? 'none'
              : `v${info.version}, ${plural(info.count, 'pass')} (${info.active} active), applied ${info.appliedAt}${info.expiresAt ? `, expires ${info.expiresAt}` : ''}`;
          const lines = [
            `vehicle      ${config.vehicle.id} (${config.vehicle.operator})`,
            `software     teiki-validator ${opts.version}`,
            `pass list    ${list}`,
            `network      ${net.version ?? 'none'}${net.version ? `, ${plural(net.routes, 'route')}, ${plural(net.stops, 'stop')}` : ''}`,
            `sync         ${!s.configured ? 'not configured' : s.connected ? 'connected' : 'not connected'}${s.last_applied_at ? `, last list applied ${s.last_applied_at}` : ''}${rejected > 0 ? `, ${plural(rejected, 'message')} refused` : ''}`,
            `records      ${status.records.pending} pending upload${s.last_ack_at ? `, last ack ${s.last_ack_at}` : ''}${status.records.storage === 'ok' ? '' : `; storage ${status.records.storage}`}${status.records.pending_in_memory > 0 ? `, ${status.records.pending_in_memory} held in memory` : ''}${status.records.lost > 0 ? `, ${status.records.lost} lost` : ''}`,
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
      } finally {
        records?.close();
        list.close();
      }
    });
}

/**
 * Whether records can be written (issue 12): the running daemon's word (records-state-file.ts),
 * or, with no daemon running, what the data directory's filesystem says.
 */
function recordsStorage(dataDir: string) {
  const daemon = readRecordsState(dataDir);
  if (daemon && isProcessAlive(daemon.pid)) {
    return { storage: daemon.storage, pending_in_memory: daemon.pending_in_memory, lost: daemon.lost };
  }
  return { storage: probeDataDir(dataDir) ?? 'ok', pending_in_memory: 0, lost: 0 };
}
