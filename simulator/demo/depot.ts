/**
 * The demo's depot: a fresh signing key pair (as `teiki depot keys generate`), the list published
 * with the real publish code (as `teiki depot publish`: its own connection per publish, a state
 * directory, a signed snapshot first, signed deltas after), and the record collector (as
 * `teiki depot collect`) storing and acknowledging every bus's batches.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Logger } from '../../device/log/logger.js';
import type { Clock } from '../../hardware/ports/clock.js';
import { Collector, type CollectorStats } from '../../sync/depot/collector.js';
import { connectDepot as connectCollector, endQuietly } from '../../sync/depot/collector-mqtt.js';
import { CollectorStore } from '../../sync/depot/collector-store.js';
import { DepotState } from '../../sync/depot/depot-state.js';
import { connectDepot } from '../../sync/depot/publish-connect.js';
import { DEFAULT_PUBLISH_SETTINGS, type PublishSummary } from '../../sync/depot/publish-context.js';
import { publishExport } from '../../sync/depot/publish-export.js';
import { generateDepotKeys, loadDepotPrivateKey } from '../../sync/keys.js';

export interface DemoDepotOptions {
  readonly dir: string;
  readonly brokerUrl: string;
  readonly networkDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class DemoDepot {
  readonly #o: DemoDepotOptions;
  readonly publicKeyPem: string;
  readonly keyId: string;
  readonly #privateKeyPath: string;
  #collectorClient: MqttClient | null = null;
  #collector: Collector | null = null;
  #store: CollectorStore | null = null;

  constructor(o: DemoDepotOptions) {
    this.#o = o;
    const keys = generateDepotKeys(join(o.dir, 'keys'));
    this.keyId = keys.keyId;
    this.#privateKeyPath = keys.privateKeyPath;
    this.publicKeyPem = readFileSync(keys.publicKeyPath, 'utf8');
  }

  /** One `teiki depot publish`: the export becomes the next list version on the broker. */
  async publish(passesFile: string): Promise<PublishSummary> {
    const client = await connectDepot({
      url: this.#o.brokerUrl,
      tls: {},
      clientId: 'teiki-depot-publish-demo',
    });
    const state = DepotState.open(join(this.#o.dir, 'state'), { clock: this.#o.clock });
    try {
      return await publishExport(
        {
          state,
          client,
          privateKey: loadDepotPrivateKey(this.#privateKeyPath),
          clock: this.#o.clock,
          settings: DEFAULT_PUBLISH_SETTINGS,
          logger: this.#o.logger.child({ component: 'depot-publish' }),
        },
        { passesFile, networkDir: this.#o.networkDir },
      );
    } finally {
      state.close();
      await client.endAsync().catch(() => undefined);
    }
  }

  /** `teiki depot collect`: a persistent session on every bus's records topic. */
  async startCollector(): Promise<void> {
    const log = this.#o.logger.child({ component: 'depot-collect' });
    this.#store = CollectorStore.open(join(this.#o.dir, 'state'));
    this.#collectorClient = await connectCollector(
      { url: this.#o.brokerUrl, clientId: 'teiki-depot-collector', clean: false },
      log,
      true,
    );
    this.#collector = new Collector({
      client: this.#collectorClient,
      store: this.#store,
      clock: this.#o.clock,
      logger: log,
    });
    await this.#collector.start();
  }

  collected(): CollectorStats & { readonly records_total: number } {
    const stats = this.#collector?.stats() ?? {
      batches: 0,
      records_stored: 0,
      duplicates: 0,
      seq_clashes: 0,
      rejected: 0,
      vehicles: 0,
      last_batch_at: null,
    };
    return { ...stats, records_total: this.#store?.count() ?? 0 };
  }

  async close(): Promise<void> {
    this.#collector?.stop();
    if (this.#collectorClient) await endQuietly(this.#collectorClient);
    this.#store?.close();
    this.#collector = null;
    this.#collectorClient = null;
    this.#store = null;
  }
}

/**
 * The sales export of a later hour: the sample with some fields of some rows changed (a refund is
 * a new `status`, a change of card a new `idm`; DESIGN.md "Sales export").
 */
export function writeChangedExport(
  sampleCsv: string,
  out: string,
  changes: ReadonlyArray<{ pass_id: string; field: string; value: string }>,
): void {
  const lines = readFileSync(sampleCsv, 'utf8').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const idCol = header.indexOf('pass_id');
  const changed = lines.map((line, i) => {
    if (i === 0 || line === '') return line;
    const cells = line.split(',');
    for (const c of changes) {
      if (cells[idCol] !== c.pass_id) continue;
      const col = header.indexOf(c.field);
      if (col < 0) throw new Error(`${sampleCsv}: no column ${c.field}`);
      cells[col] = c.value;
    }
    return cells.join(',');
  });
  writeFileSync(out, changed.join('\n'));
}
