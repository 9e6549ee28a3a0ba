/** Builders for rule inputs: a plain Matsue morning ride, changed only where a test says so. */
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from '../../../device/config/rules-schema.js';
import type { CardChange, Pass } from '../../../device/domain/pass.js';
import { decide } from '../../../device/rules/index.js';
import type {
  AreaFacts,
  Decision,
  DecisionInput,
  OpenTapOn,
  RideFacts,
} from '../../../device/rules/types.js';

export const IDM = '0114b3a1c2d3e4f5';
export const FREE_AREA = 'matsue-kannai';

/** Epoch ms of a Tokyo wall-clock time, e.g. at('2026-04-01T08:00'). */
export function at(local: string): number {
  return Date.parse(`${local}+09:00`);
}

export const TAP_ON_AT = at('2026-04-01T08:00:00');
export const TAP_OFF_AT = at('2026-04-01T08:25:00');

export const SETTINGS: RuleSettings = { ...DEFAULT_RULE_SETTINGS, routes_without_passes: ['lake'] };

export function pass(overrides: Partial<Pass> = {}): Pass {
  return {
    pass_id: 'P1',
    card_number: 'JW123456789012345',
    idm: IDM,
    kind: 'commuter',
    issuer: 'matsue-city',
    operators: ['matsue-city', 'ichibata'],
    valid_from: '2026-04-01',
    valid_until: '2026-06-30',
    fare_limit: 300,
    area: null,
    status: 'active',
    ...overrides,
  };
}

/** A まつえ通学フリーパス over FREE_AREA. */
export function freePass(overrides: Partial<Pass> = {}): Pass {
  return pass({ pass_id: 'F1', kind: 'student_free', fare_limit: null, area: FREE_AREA, ...overrides });
}

export function change(overrides: Partial<CardChange> = {}): CardChange {
  return { idm: IDM, pass_id: 'P0', valid_until: '2026-06-30', ...overrides };
}

export function openTapOn(overrides: Partial<OpenTapOn> = {}): OpenTapOn {
  return {
    event_id: 'e1',
    at: TAP_ON_AT,
    route: '81',
    stop: 'matsue-sta',
    trip: null,
    pass_id: 'P1',
    ...overrides,
  };
}

export function area(facts: Partial<AreaFacts> = {}): AreaFacts {
  return { boardingInside: true, alightingInside: null, outsideFare: null, ...facts };
}

/** Tap-on on route 81 at a stop inside the free area, no open tap-on. */
export function tapOn(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    reader: 'boarding',
    now: TAP_ON_AT,
    operator: 'matsue-city',
    passes: [pass()],
    changes: [],
    openTapOn: null,
    ride: { route: '81', fare: null, areas: { [FREE_AREA]: area() } },
    settings: SETTINGS,
    listStale: false,
    ...overrides,
  };
}

/** Tap-off of a ride on route 81 that costs `fare` yen, its tap-on 25 minutes earlier. */
export function tapOff(fare: number | null, overrides: Partial<DecisionInput> = {}): DecisionInput {
  const ride: RideFacts = {
    route: '81',
    fare,
    areas: { [FREE_AREA]: area({ alightingInside: true }) },
  };
  return tapOn({ reader: 'alighting', now: TAP_OFF_AT, openTapOn: openTapOn(), ride, ...overrides });
}

export const MIN = 60_000;

/** What a decision shows, without the pass object (checked against pass_id by `shown`). */
export type Shown = Omit<Decision, 'pass'>;

export interface Case {
  readonly name: string;
  readonly input: DecisionInput;
  readonly expected: Shown;
}

/** The decision without its pass object, after checking that the pass agrees with pass_id. */
export function shown(input: DecisionInput): Shown {
  const { pass: decided, ...rest } = decide(input);
  // card_changed names a pass that is no longer on this card: no pass object to show.
  const expectedId = rest.reason === 'card_changed' ? null : rest.pass_id;
  if ((decided?.pass_id ?? null) !== expectedId) {
    throw new Error(`decision pass ${decided?.pass_id} does not match pass_id ${rest.pass_id}`);
  }
  return rest;
}
