import type { Command } from 'commander';
import { isProcessAlive, readSyncState } from '../../../sync/bus/status-state.js';
import { loadConfig } from '../../config/load.js';
import { readRecordsState } from '../../daemon/records-state-file.js';
import { probeDataDir } from '../../daemon/storage-state.js';
import { openList, openRecordsIfAny } from '../stores.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('pass list, network, sync and records of this validator')
    .requiredOption('--config <file>', 'validator config JSON')
    .option('--json', 'print JSON (the content a bus publishes as its status)')
    .action((opts: { config: string; json?: boolean }) => {
      const config = loadConfig(opts.config);
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
          pass_list: {
            version: info.version,
            count: info.count,
            active: info.active,
            card_changes: info.changes,
            applied_at: info.appliedAt,
            expires_at: info.expiresAt,
            source: info.source,
          },
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
        if (opts.json) process.stdout.write(`${JSON.stringify(status)}\n`);
        else {
          const s = status.sync;
          const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
          const lines = [
            `vehicle      ${config.vehicle.id} (${config.vehicle.operator})`,
            `pass list    ${info.version === null ? 'none' : `v${info.version}, ${info.count} passes (${info.active} active), applied ${info.appliedAt}${info.expiresAt ? `, expires ${info.expiresAt}` : ''}`}`,
            `network      ${net.version ?? 'none'}${net.version ? `, ${net.routes} routes, ${net.stops} stops` : ''}`,
            `sync         ${!s.configured ? 'not configured' : s.connected ? 'connected' : 'not connected'}${s.last_applied_at ? `, last list applied ${s.last_applied_at}` : ''}${rejected > 0 ? `, ${rejected} messages refused` : ''}`,
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
