/**
 * A bus's list sync applying one signed snapshot, in a process of its own so a test can SIGKILL it
 * mid-apply. It runs what the list-sync worker runs (sync/bus/list-sync-worker.ts): a ListStore on
 * the list file, ListSyncCore with StoreListTarget, the pinned depot key. Instead of MQTT, the
 * messages come from files the test wrote (the signed manifest, then each chunk as soon as the
 * core subscribes to its topic), so the only moving part left is the verify → stage → commit path.
 *
 * Usage: node dist/test/reliability/list-apply-child.js LIST_PATH MSG_DIR
 * MSG_DIR holds manifest.bin, chunk-<i>.bin, key.pem, meta.json ({ now, chunks }).
 * Prints `{"msg":"applying"}` when staging starts and `{"msg":"applied",…}` after the commit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListStore } from '../../device/store/list-store.js';
import { StoreListTarget } from '../../sync/bus/list-store-target.js';
import { ListSyncCore } from '../../sync/bus/list-sync-core.js';
import { DEFAULT_LIST_SYNC_SETTINGS, type SyncEffects } from '../../sync/bus/list-sync-types.js';
import { pinKeys } from '../../sync/signing.js';
import { parseTopic, topics } from '../../sync/topics.js';

const [listPath, dir] = process.argv.slice(2);
if (!listPath || !dir) throw new Error('usage: list-apply-child.js LIST_PATH MSG_DIR');
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { now: number };
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

const store = ListStore.open(listPath, { clock: { now: () => meta.now } });
let core: ListSyncCore | null = null;
const deliver = (topic: string): void => {
  const parsed = parseTopic(topic);
  if (parsed?.kind !== 'chunk') return;
  const payload = readFileSync(join(dir, `chunk-${parsed.index}.bin`));
  setImmediate(() => core?.handle(topic, payload, true, meta.now));
};
const effects: SyncEffects = {
  subscribe: (list) => {
    for (const t of list) deliver(t);
  },
  unsubscribe: () => {},
  resync: () => {},
  applied: (event) => {
    out({ msg: 'applied', version: event.version });
    store.close();
    process.exit(0);
  },
  rejected: (event) => {
    out({ msg: 'rejected', event });
    process.exit(3);
  },
  phase: (phase) => out({ msg: phase }),
  log: { debug: () => {}, info: () => {}, warn: () => {}, error: (f, m) => out({ msg: m, ...f }) },
};
core = new ListSyncCore(new StoreListTarget(store), effects, {
  keys: pinKeys([readFileSync(join(dir, 'key.pem'), 'utf8')]),
  settings: DEFAULT_LIST_SYNC_SETTINGS,
});
core.handle(topics.manifest, readFileSync(join(dir, 'manifest.bin')), true, meta.now);
