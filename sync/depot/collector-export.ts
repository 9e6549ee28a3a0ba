/**
 * Export of the collected boarding records for the back office: CSV with a header, or JSON Lines,
 * by vehicle then seq. The file is written beside its final name and renamed when complete, so a
 * half-written export is never mistaken for a whole one. Exports hold full IDms: they are the data
 * product (kept out of logs, not out of the operator's own files).
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import type { CollectedRecord, CollectorStore } from './collector-store.js';

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_COLUMNS = [
  'vehicle',
  'seq',
  'event_id',
  'at',
  'idm',
  'reader',
  'route',
  'trip',
  'stop',
  'verdict',
  'reason',
  'pass_id',
  'fare',
  'excess',
  'tap_on_event_id',
  'clock',
  'received_at',
] as const;

/** The format a file name implies (`.csv`, `.jsonl`/`.ndjson`), or null. */
export function formatFromName(file: string): ExportFormat | null {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return null;
}

function exportRow(r: CollectedRecord): Record<(typeof EXPORT_COLUMNS)[number], string | number | null> {
  return {
    vehicle: r.vehicle,
    seq: r.seq,
    event_id: r.event_id,
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
    clock: r.clock,
    received_at: new Date(r.received_at).toISOString(),
  };
}

/** RFC 4180: quote a field holding a comma, quote or line break; null is an empty field. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes every stored record to `file`; returns how many. */
export function exportRecords(
  store: Pick<CollectorStore, 'all'>,
  file: string,
  format: ExportFormat,
): number {
  const tmp = `${file}.partial`;
  const fd = openSync(tmp, 'w', 0o600);
  let count = 0;
  let open = true;
  try {
    let buf: string[] = [];
    const flush = () => {
      if (buf.length > 0) writeSync(fd, buf.join(''));
      buf = [];
    };
    if (format === 'csv') buf.push(`${EXPORT_COLUMNS.join(',')}\n`);
    for (const r of store.all()) {
      const row = exportRow(r);
      buf.push(
        format === 'csv'
          ? `${EXPORT_COLUMNS.map((c) => csvField(row[c])).join(',')}\n`
          : `${JSON.stringify(row)}\n`,
      );
      count++;
      if (buf.length >= 2000) flush();
    }
    flush();
    open = false;
    closeSync(fd);
  } catch (err) {
    if (open) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  renameSync(tmp, file);
  return count;
}
