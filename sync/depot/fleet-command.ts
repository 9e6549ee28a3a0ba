/** `teiki depot fleet`: one row per bus from the broker's retained statuses, as a table or JSON. */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../device/log/logger.js';
import { connectDepot, endQuietly } from './collector-mqtt.js';
import { type FleetRow, fleetRows, formatFleetTable, readRetainedStatuses } from './fleet.js';

export interface FleetOptions {
  readonly mqtt: string;
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  /** How the person named each TLS file (flag or config key), for errors. */
  readonly tlsNames?: Record<'ca' | 'cert' | 'key', string> | undefined;
  readonly json?: boolean | undefined;
  /** Seconds after which an "online" status counts as stale. */
  readonly staleAfter: number;
  /** Milliseconds without a new status that end the read. */
  readonly quietMs: number;
}

export async function runFleet(
  o: FleetOptions,
  deps: { logger: Logger; now: () => number; write: (text: string) => void },
): Promise<FleetRow[]> {
  // A throwaway clean session: the fleet view reads retained messages only, and two operators
  // running it at once must not take over each other's client id.
  const client = await connectDepot(
    {
      url: o.mqtt,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      ...(o.tlsNames ? { tlsNames: o.tlsNames } : {}),
      clientId: `teiki-depot-fleet-${randomBytes(4).toString('hex')}`,
      clean: true,
    },
    deps.logger,
    false,
  );
  try {
    const statuses = await readRetainedStatuses(client, { quietMs: o.quietMs, timeoutMs: 10_000 });
    const rows = fleetRows(statuses, deps.now(), o.staleAfter * 1000);
    deps.write(o.json ? `${JSON.stringify(rows)}\n` : formatFleetTable(rows));
    return rows;
  } finally {
    await endQuietly(client);
  }
}
