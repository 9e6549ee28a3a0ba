/**
 * The fleet view: one row per bus from the retained statuses on `teiki/v1/bus/+/status`. A bus
 * that dies leaves its last will ("offline", no time); one that shuts down cleanly leaves
 * "offline" with its time; a live one republishes "online" every minute or so, so an "online"
 * far older than that is flagged `stale` (a broker that lost the will, or a frozen daemon).
 */
import type { MqttClient } from 'mqtt';
import { plural } from '../../device/cli/plural.js';
import { parseStatus } from '../messages.js';
import { isSyncRejection } from '../rejection.js';
import { parseTopic, topics } from '../topics.js';

export interface FleetRow {
  readonly vehicle: string;
  readonly state: 'online' | 'offline' | 'invalid';
  readonly list_version: number | null;
  readonly list_applied_at: string | null;
  /** Seconds since the list in force was applied. */
  readonly list_age_s: number | null;
  readonly list_expires_at: string | null;
  readonly network_version: string | null;
  /** The teiki-validator version the bus runs (null: an older bus that does not say). */
  readonly software_version: string | null;
  readonly pending_records: number | null;
  /** Time of the status: the bus's last word (null for a last will, which carries no time). */
  readonly last_seen: string | null;
  readonly last_seen_age_s: number | null;
  readonly stale: boolean;
  /** Sync messages the bus refused since its start, all codes together. */
  readonly rejected: number;
  readonly error?: string;
}

const ageS = (iso: string | null | undefined, now: number) =>
  iso ? Math.max(0, Math.round((now - Date.parse(iso)) / 1000)) : null;

/** Rows from retained status payloads keyed by topic vehicle, sorted by vehicle. */
export function fleetRows(
  statuses: ReadonlyMap<string, Buffer>,
  now: number,
  staleAfterMs: number,
): FleetRow[] {
  const rows: FleetRow[] = [];
  for (const [vehicle, payload] of statuses) {
    const empty = {
      vehicle,
      list_version: null,
      list_applied_at: null,
      list_age_s: null,
      list_expires_at: null,
      network_version: null,
      software_version: null,
      pending_records: null,
      last_seen: null,
      last_seen_age_s: null,
      stale: false,
      rejected: 0,
    };
    try {
      const s = parseStatus(payload);
      if (s.vehicle !== vehicle) throw new Error(`names vehicle ${s.vehicle}`);
      if (s.state === 'offline') {
        rows.push({ ...empty, state: 'offline', last_seen: s.at ?? null, last_seen_age_s: ageS(s.at, now) });
        continue;
      }
      const seenAge = ageS(s.at, now);
      rows.push({
        vehicle,
        state: 'online',
        list_version: s.list_version,
        list_applied_at: s.list_applied_at,
        list_age_s: ageS(s.list_applied_at, now),
        list_expires_at: s.list_expires_at,
        network_version: s.network_version,
        software_version: s.software_version ?? null,
        pending_records: s.pending_records,
        last_seen: s.at,
        last_seen_age_s: seenAge,
        stale: seenAge !== null && seenAge * 1000 > staleAfterMs,
        rejected: Object.values(s.rejected ?? {}).reduce((a, b) => a + b, 0),
      });
    } catch (err) {
      if (!isSyncRejection(err) && !(err instanceof Error)) throw err;
      // One bus's bad status must not hide the rest of the fleet.
      rows.push({ ...empty, state: 'invalid', error: (err as Error).message.slice(0, 200) });
    }
  }
  return rows.sort((a, b) => (a.vehicle < b.vehicle ? -1 : a.vehicle > b.vehicle ? 1 : 0));
}

/**
 * The retained statuses the broker holds: subscribes, and takes what arrives until `quietMs` pass
 * without a new one (retained messages follow the SUBACK at once), or `timeoutMs` in all.
 */
export function readRetainedStatuses(
  client: Pick<MqttClient, 'subscribe' | 'on' | 'removeListener'>,
  opts: { quietMs: number; timeoutMs: number },
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  return new Promise((resolve, reject) => {
    let quiet: NodeJS.Timeout | undefined;
    const overall = setTimeout(() => done(), opts.timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(quiet);
      clearTimeout(overall);
      client.removeListener('message', onMessage);
      if (err) reject(err);
      else resolve(found);
    };
    const rearm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => done(), opts.quietMs);
    };
    const onMessage = (topic: string, payload: Buffer) => {
      const t = parseTopic(topic);
      if (t?.kind !== 'status') return;
      // An empty retained payload is a cleared status: the bus is no longer in the fleet. A live
      // status arriving meanwhile is newer than the retained one and replaces it.
      if (payload.byteLength === 0) found.delete(t.vehicle);
      else found.set(t.vehicle, payload);
      rearm();
    };
    client.on('message', onMessage);
    client.subscribe(topics.allStatus, { qos: 1 }, (err, granted) => {
      const code = granted?.[0]?.qos;
      if (err || code === undefined || code > 2) {
        done(
          new Error(
            `broker refused the subscription to ${topics.allStatus}: ${err?.message ?? `reason ${code}`}`,
          ),
        );
        return;
      }
      rearm();
    });
  });
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function human(age: number | null): string {
  if (age === null) return '-';
  if (age < 120) return `${age}s`;
  if (age < 7200) return `${Math.round(age / 60)}m`;
  if (age < 172_800) return `${Math.round(age / 3600)}h`;
  return `${Math.round(age / 86_400)}d`;
}

/** The human table of `teiki depot fleet`. */
export function formatFleetTable(rows: readonly FleetRow[]): string {
  if (rows.length === 0) return 'no bus has published a status yet\n';
  const header = ['VEHICLE', 'STATE', 'LIST', 'LIST AGE', 'PENDING', 'LAST SEEN', 'REFUSED', 'SOFTWARE'];
  const body = rows.map((r) => [
    r.vehicle,
    r.state === 'online' && r.stale ? 'online (stale)' : r.state,
    r.list_version === null ? '-' : `v${r.list_version}`,
    human(r.list_age_s),
    r.pending_records === null ? '-' : String(r.pending_records),
    r.last_seen === null ? '-' : `${r.last_seen} (${human(r.last_seen_age_s)} ago)`,
    String(r.rejected),
    r.software_version ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i]!))
      .join('  ')
      .trimEnd();
  const online = rows.filter((r) => r.state === 'online').length;
  return `${[line(header), ...body.map(line)].join('\n')}\n${online} of ${plural(rows.length, 'bus')} online\n`;
}
