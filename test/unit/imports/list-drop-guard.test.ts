/**
 * One drop guard for `teiki passes import` and `teiki depot publish` (issue 12): a local import
 * that would lose more than half of the active passes in force is refused like a publish is,
 * unless forced; the depot's guard is the same function and decides the same numbers the same way.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DROP_GUARD_DEFAULTS,
  excessiveDrop,
  guardActiveDrop,
  ListDropRefusedError,
} from '../../../device/imports/list-drop-guard.js';
import { importPassesFile } from '../../../device/imports/passes-import.js';
import { ListStore } from '../../../device/store/list-store.js';
import { DEFAULT_PUBLISH_SETTINGS } from '../../../sync/depot/publish-context.js';
import { guardActiveDrop as depotGuard, PublishRefusedError } from '../../../sync/depot/publish-guard.js';
import { checkSnapshotSize } from '../../../sync/sanity.js';
import { cells, csv, type TempDir, tempDir } from './helpers.js';

let tmp: TempDir;
let store: ListStore;
beforeEach(() => {
  tmp = tempDir();
  store = ListStore.open(':memory:');
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const rows = (n: number, status = 'active') => Array.from({ length: n }, (_, i) => cells(i, { status }));

describe('a local pass import', () => {
  it('refuses an export that loses 80% of the active passes, naming the share and --force; list untouched', async () => {
    await importPassesFile(store, tmp.write('full.csv', csv(rows(1_000))));
    const err = await importPassesFile(store, tmp.write('cut.csv', csv(rows(200)))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListDropRefusedError);
    expect((err as Error).message).toBe(
      'refusing to import: the export leaves 200 active passes of the 1000 in force (80% gone, more than ' +
        'the 50% allowed). A cut-short export would refuse good cards; check the export, or import it ' +
        'with --force if the drop is real',
    );
    expect(store.info()).toMatchObject({ version: 1, count: 1_000, active: 1_000 });
  });

  it('counts passes that stop being active as lost (a file of refunds is a cut-short list too)', async () => {
    await importPassesFile(store, tmp.write('full.csv', csv(rows(1_000))));
    const refunded = rows(1_000).map((c, i) => (i < 600 ? { ...c, status: 'refunded' } : c));
    await expect(importPassesFile(store, tmp.write('r.csv', csv(refunded)))).rejects.toThrow(/60% gone/);
  });

  it('imports it with force, and says so', async () => {
    await importPassesFile(store, tmp.write('full.csv', csv(rows(1_000))));
    const r = await importPassesFile(store, tmp.write('cut.csv', csv(rows(200))), { force: true });
    expect(r.warnings).toEqual([
      'the export leaves 200 active passes of the 1000 in force (80% gone, more than the 50% allowed); imported anyway (--force)',
    ]);
    expect(store.info()).toMatchObject({ version: 2, count: 200 });
  });

  it('lets half go, and believes any change of a small list or the first one', async () => {
    await importPassesFile(store, tmp.write('full.csv', csv(rows(1_000))));
    await expect(importPassesFile(store, tmp.write('half.csv', csv(rows(500))))).resolves.toMatchObject({
      warnings: [],
    });
    // 500 active in force: under minPassesToCheck, so anything goes.
    await expect(importPassesFile(store, tmp.write('one.csv', csv(rows(1))))).resolves.toMatchObject({
      total: 1,
    });
  });

  it('takes a stricter share', async () => {
    await importPassesFile(store, tmp.write('full.csv', csv(rows(1_000))));
    await expect(
      importPassesFile(store, tmp.write('c.csv', csv(rows(800))), { dropGuard: { maxDropRatio: 0.1 } }),
    ).rejects.toThrow(/20% gone, more than the 10% allowed/);
  });
});

describe('one rule for the bus and the depot', () => {
  it('the depot guard is this guard, with the same defaults', () => {
    expect(PublishRefusedError).toBe(ListDropRefusedError);
    expect(DEFAULT_PUBLISH_SETTINGS.sanity).toEqual(DROP_GUARD_DEFAULTS);
    const publish = { version: 2, activeBefore: 1_000, activeAfter: 200, force: false, sanity: {} };
    expect(() => depotGuard(publish)).toThrow(
      /^refusing to publish: the export leaves 200 active passes of the 1000 last published \(80% gone/,
    );
    expect(() => depotGuard(publish)).toThrow(/publish it with --force/);
    expect(depotGuard({ ...publish, force: true })).toMatch(/published anyway \(--force\)$/);
  });

  it('decides every count the same way for import, publish and a bus receiving a snapshot', () => {
    for (const before of [null, 0, 999, 1_000, 1_001, 10_000]) {
      for (const after of [0, 1, 499, 500, 501, 999, 5_000, 5_001, 20_000]) {
        const refused = excessiveDrop(before, after) !== null;
        const local = () =>
          guardActiveDrop({ action: 'import', activeBefore: before, activeAfter: after, force: false });
        const depot = () =>
          depotGuard({ version: 2, activeBefore: before, activeAfter: after, force: false, sanity: {} });
        const bus = () => checkSnapshotSize(before, { version: 2, passes: after });
        for (const run of [local, depot, bus]) {
          if (refused) expect(run).toThrow();
          else expect(run).not.toThrow();
        }
      }
    }
  });
});
