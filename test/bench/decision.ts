/**
 * decision_us: lookup + ride facts + rules, in process, against a list of N passes on disk —
 * next to the floor, a bare better-sqlite3 indexed get() on the same database.
 */
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { DEFAULT_RULE_SETTINGS } from '../../device/config/rules-schema.js';
import { evaluateTap } from '../../device/pipeline/evaluate.js';
import { ListStore } from '../../device/store/list-store.js';
import { generatedIdm } from '../../simulator/generate-passes.js';
import { SEED } from './list-fixture.js';
import { type Dist, dist } from './stats.js';

export interface DecisionResult {
  decision_us: Dist;
  sqlite_point_lookup_us: Dist;
  decision_over_lookup_p99: number;
}

function sampleIdms(passes: number, count: number): string[] {
  const out: string[] = [];
  let x = 12345;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    // One tap in ten is a card with no web pass (a Suica, a counter pass).
    out.push(i % 10 === 9 ? `ff${x.toString(16).padStart(8, '0')}000000` : generatedIdm(x % passes, SEED));
  }
  return out;
}

export function benchDecision(dbPath: string, passes: number, samples: number): DecisionResult {
  const idms = sampleIdms(passes, samples);
  const store = ListStore.open(dbPath);
  const ctx = {
    operator: 'matsue-city',
    settings: DEFAULT_RULE_SETTINGS,
    lookup: (idm: string) => store.lookup(idm),
    network: store.network,
  };
  const stop = { route_id: '81', stop_id: 'matsue-sta', at: 0 };
  const now = Date.parse('2026-04-15T08:00:00+09:00');
  const run = () => {
    const t = new Float64Array(idms.length);
    for (let i = 0; i < idms.length; i++) {
      const s = performance.now();
      evaluateTap(ctx, idms[i] as string, 'boarding', now, stop, null, false);
      t[i] = (performance.now() - s) * 1000;
    }
    return t;
  };
  run(); // warm-up: JIT, page cache
  const decision = dist(run());
  store.close();

  const db = new Database(dbPath, { readonly: true });
  const get = db.prepare('SELECT * FROM passes WHERE idm = ?');
  const bare = () => {
    const t = new Float64Array(idms.length);
    for (let i = 0; i < idms.length; i++) {
      const s = performance.now();
      get.get(idms[i]);
      t[i] = (performance.now() - s) * 1000;
    }
    return t;
  };
  bare();
  const lookup = dist(bare());
  db.close();
  return {
    decision_us: decision,
    sqlite_point_lookup_us: lookup,
    decision_over_lookup_p99: Math.round((decision.p99 / lookup.p99) * 100) / 100,
  };
}
