/**
 * The depot side of the list tests: sales exports written as CSV, an in-memory broker that keeps
 * retained messages the way mosquitto does (an empty retained publish deletes), and a publish
 * context on a temporary state directory.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { IClientPublishOptions } from 'mqtt';
import { DepotState } from '../../../sync/depot/depot-state.js';
import type { PublishClient } from '../../../sync/depot/list-publisher.js';
import {
  DEFAULT_PUBLISH_SETTINGS,
  type PublishContext,
  type PublishSettings,
} from '../../../sync/depot/publish-context.js';

export const SAMPLE_GTFS = resolve(import.meta.dirname, '../../../simulator/data/gtfs-matsue');
export const HEADER =
  'pass_id,card_number,idm,kind,issuer,operators,valid_from,valid_until,fare_limit,area,status';

/** A commuter pass row: pass i on card `idm`, with a status. */
export function csvRow(i: number, o: { idm?: string; status?: string; until?: string } = {}): string {
  const idm = o.idm ?? (0x0114_0000_0000_0000n + BigInt(i)).toString(16).padStart(16, '0');
  const card = `JW${String(100_000_000_000_000 + i).padStart(15, '0')}`;
  return `P${i},${card},${idm},commuter,matsue-city,matsue-city|ichibata,2026-04-01,${o.until ?? '2026-09-30'},240,,${o.status ?? 'active'}`;
}

export const idmOf = (i: number): string =>
  (0x0114_0000_0000_0000n + BigInt(i)).toString(16).padStart(16, '0');

export class FakeBroker implements PublishClient {
  readonly retained = new Map<string, Buffer>();
  readonly published: { topic: string; bytes: number; retain: boolean }[] = [];
  failOn: ((topic: string) => boolean) | null = null;

  publishAsync = async (topic: string, message: string | Buffer, opts?: IClientPublishOptions) => {
    if (this.failOn?.(topic)) throw new Error('Publish error: Not authorized');
    const payload = Buffer.from(message);
    this.published.push({ topic, bytes: payload.length, retain: opts?.retain === true });
    if (opts?.retain) {
      if (payload.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, payload);
    }
    return undefined;
  };

  topics(prefix: string): string[] {
    return [...this.retained.keys()].filter((t) => t.startsWith(prefix)).sort();
  }
}

export interface DepotFixture {
  readonly dir: string;
  readonly broker: FakeBroker;
  readonly key: KeyObject;
  readonly publicKey: KeyObject;
  /** A context on the state dir (open it with `open()`, close with `ctx.state.close()`). */
  open(settings?: Partial<PublishSettings>): PublishContext;
  writeExport(name: string, lines: readonly string[]): string;
  cleanup(): void;
}

export function depotFixture(now: () => number = () => Date.now()): DepotFixture {
  const dir = mkdtempSync(join(tmpdir(), 'teiki-depot-'));
  const broker = new FakeBroker();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const opened: DepotState[] = [];
  return {
    dir,
    broker,
    key: privateKey,
    publicKey,
    open(settings = {}) {
      const state = DepotState.open(join(dir, 'state'));
      opened.push(state);
      return {
        state,
        client: broker,
        privateKey,
        clock: { now },
        settings: { ...DEFAULT_PUBLISH_SETTINGS, ...settings },
      };
    },
    writeExport(name, lines) {
      const file = join(dir, name);
      writeFileSync(file, `${[HEADER, ...lines].join('\n')}\n`);
      return file;
    },
    cleanup() {
      for (const s of opened) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
