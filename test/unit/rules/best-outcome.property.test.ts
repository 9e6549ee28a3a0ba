import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CardChange, Pass } from '../../../device/domain/pass.js';
import { decide } from '../../../device/rules/index.js';
import type { AreaFacts, Decision, DecisionInput } from '../../../device/rules/types.js';
import { openTapOn, pass, SETTINGS, TAP_OFF_AT, TAP_ON_AT } from './fixtures.js';

/** Days around the fixtures' ride day 2026-04-01 (TAP_ON_AT), so dates land on both sides of it. */
const day = fc.constantFrom('2026-03-30', '2026-03-31', '2026-04-01', '2026-04-02', '2026-04-03');
const AREAS = ['A1', 'A2', 'A3'] as const; // A3 has no facts in any ride

const passArb: fc.Arbitrary<Pass> = fc
  .record({
    pass_id: fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F'),
    valid_from: day,
    valid_until: day,
    operators: fc.subarray(['matsue-city', 'ichibata']),
    free: fc.boolean(),
    fare_limit: fc.integer({ min: 10, max: 60 }).map((n) => n * 10),
    area: fc.constantFrom(...AREAS),
    status: fc.constantFrom('active', 'active', 'active', 'refunded', 'suspended'),
  })
  .map(({ free, fare_limit, area, ...rest }) =>
    pass({
      ...rest,
      kind: free ? 'student_free' : 'commuter',
      fare_limit: free ? null : fare_limit,
      area: free ? area : null,
    }),
  );

const passesArb = fc.uniqueArray(passArb, { maxLength: 5, selector: (p) => p.pass_id });

const changeArb: fc.Arbitrary<CardChange> = fc.record({
  idm: fc.constant('0114b3a1c2d3e4f5'),
  pass_id: fc.constantFrom('A', 'T1', 'T2'),
  valid_until: day,
});

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const inside = fc.constantFrom<boolean | null>(true, false, null);
const areaFactsArb: fc.Arbitrary<AreaFacts> = fc.record({
  boardingInside: inside,
  alightingInside: inside,
  outsideFare: maybe(fc.integer({ min: 1, max: 50 }).map((n) => n * 10)),
});

/** Everything but the passes: a tap-on or a tap-off with random network facts and settings. */
const restArb = fc
  .record({
    reader: fc.constantFrom('boarding' as const, 'alighting' as const),
    openAgeMinutes: maybe(fc.constantFrom(-5, 0, 30, 179, 180, 600)),
    route: fc.constantFrom(null, '81', 'lake'),
    fare: maybe(fc.integer({ min: 10, max: 90 }).map((n) => n * 10)),
    a1: areaFactsArb,
    a2: areaFactsArb,
    operator: fc.constantFrom('matsue-city', 'ichibata'),
    changes: fc.array(changeArb, { maxLength: 2 }),
    excess_rule: fc.constantFrom('difference' as const, 'full_fare' as const),
    stale_policy: fc.constantFrom('accept' as const, 'attention' as const),
    listStale: fc.boolean(),
  })
  .map((r): Omit<DecisionInput, 'passes'> => {
    const now = r.reader === 'boarding' ? TAP_ON_AT : TAP_OFF_AT;
    return {
      reader: r.reader,
      now,
      operator: r.operator,
      changes: r.changes,
      openTapOn: r.openAgeMinutes === null ? null : openTapOn({ at: now - r.openAgeMinutes * 60_000 }),
      ride: { route: r.route, fare: r.reader === 'boarding' ? null : r.fare, areas: { A1: r.a1, A2: r.a2 } },
      settings: { ...SETTINGS, excess_rule: r.excess_rule, stale_policy: r.stale_policy },
      listStale: r.listStale,
    };
  });

/**
 * Lower is better: accept (a stale-list accept is still an accepted ride), then excess by amount,
 * then attention, then reject — the rank of DESIGN.md rule 5.
 */
function score(d: Decision): [number, number] {
  if (d.verdict === 'accept' || d.reason === 'list_stale') return [0, 0];
  if (d.verdict === 'excess') return [1, d.excess ?? Number.POSITIVE_INFINITY];
  if (d.verdict === 'attention') return [2, 0];
  return [3, 0];
}

function notWorse(a: Decision, b: Decision): boolean {
  const [av, ax] = score(a);
  const [bv, bx] = score(b);
  return av < bv || (av === bv && ax <= bx);
}

describe('the best outcome wins', () => {
  it('does not depend on the order of the passes or the card changes', () => {
    fc.assert(
      fc.property(
        restArb,
        passesArb.chain((ps) => fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length }))),
        fc.boolean(),
        (rest, [passes, shuffled], reverse) => {
          const reversedChanges = reverse ? [...rest.changes].reverse() : rest.changes;
          expect(decide({ ...rest, passes: shuffled, changes: reversedChanges })).toEqual(
            decide({ ...rest, passes }),
          );
        },
      ),
    );
  });

  it('never gets worse when the card gains a pass', () => {
    fc.assert(
      fc.property(restArb, passesArb, passArb, (rest, passes, extra) => {
        const more = [...passes.filter((p) => p.pass_id !== extra.pass_id), extra];
        const fewer = more.slice(0, -1);
        expect(notWorse(decide({ ...rest, passes: more }), decide({ ...rest, passes: fewer }))).toBe(true);
      }),
    );
  });

  it('accepts exactly when some single pass alone would accept', () => {
    fc.assert(
      fc.property(restArb, passesArb, (rest, passes) => {
        const together = decide({ ...rest, passes }).verdict === 'accept';
        const alone = passes.some((p) => decide({ ...rest, passes: [p] }).verdict === 'accept');
        expect(together).toBe(alone);
      }),
    );
  });

  it('reports the pass that decided, one of the card passes or a live card change', () => {
    fc.assert(
      fc.property(restArb, passesArb, (rest, passes) => {
        const d = decide({ ...rest, passes });
        if (d.pass !== null) expect(passes).toContain(d.pass);
        if (d.reason === 'card_changed') expect(rest.changes.map((c) => c.pass_id)).toContain(d.pass_id);
        expect(d.excess !== null).toBe(d.verdict === 'excess');
        if (d.excess !== null) expect(d.excess).toBeGreaterThan(0);
      }),
    );
  });
});
