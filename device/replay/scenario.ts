/**
 * Parses and validates a replay scenario whole, before replay writes its first line (issue 12
 * point 7): every event, every pass row of the inline `passes` and of every `passes` event, and
 * the time order of the events. Errors name the file, the event index and the field.
 */
import type { z } from 'zod';
import { formatPath } from '../config/load.js';
import type { Pass } from '../domain/pass.js';
import { validateSalesRow } from '../imports/sales-row.js';
import type { Scenario, ScenarioEvent } from './scenario-schema.js';
import { PassesEventSchema, ScenarioSchema, StopEventSchema, TapEventSchema } from './scenario-schema.js';

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

export interface ParseOptions {
  /** Run the events in time order (a stable sort) instead of refusing a scenario out of order. */
  readonly sort?: boolean;
}

type Payload<E> = E extends { passes: unknown } ? Omit<E, 'passes'> & { passes: Pass[] } : E;

/** One event, validated, with its instant and its index in the file (for messages). */
export type ReplayStep = Payload<ScenarioEvent> & { readonly index: number; readonly time: number };

export interface ParsedScenario {
  readonly scenario: Scenario;
  /** The inline `passes` rows, validated; null when `passes` names a file. */
  readonly inlinePasses: Pass[] | null;
  /** In time order. */
  readonly steps: ReplayStep[];
}

function issues(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((i) => {
      const path = formatPath(i.path);
      const where = path === '(root)' ? prefix : prefix ? `${prefix}.${path}` : path;
      if (i.code === 'unrecognized_keys')
        return i.keys.map((k) => `${where ? `${where}.` : ''}${k}: unknown key`).join('; ');
      return `${where || '(root)'}: ${i.message}`;
    })
    .join('; ');
}

export function parseScenario(text: string, file: string, opts: ParseOptions = {}): ParsedScenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ReplayError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) throw new ReplayError(`${file}: ${issues(parsed.error, '')}`);
  const scenario = parsed.data;
  const inlinePasses =
    typeof scenario.passes === 'string' ? null : rowsOrThrow(scenario.passes, `${file}: passes`);

  const steps: ReplayStep[] = parsed.data.events.map((ev, index) => {
    const where = `events[${index}]`;
    const o = ev as Record<string, unknown> | null;
    const schema =
      o && typeof o === 'object' && 'tap' in o
        ? TapEventSchema
        : o && typeof o === 'object' && 'stop' in o
          ? StopEventSchema
          : o && typeof o === 'object' && 'passes' in o
            ? PassesEventSchema
            : null;
    if (!schema) throw new ReplayError(`${file}: ${where}: must have one of "stop", "tap" or "passes"`);
    const r = schema.safeParse(ev);
    if (!r.success) throw new ReplayError(`${file}: ${issues(r.error, where)}`);
    const time = Date.parse(r.data.at);
    if ('passes' in r.data) {
      return { ...r.data, passes: rowsOrThrow(r.data.passes, `${file}: ${where}.passes`), index, time };
    }
    return { ...r.data, index, time } as ReplayStep;
  });

  if (opts.sort) {
    // Array.prototype.sort is stable: events at the same instant keep the file's order.
    steps.sort((a, b) => a.time - b.time);
  } else {
    for (let i = 1; i < steps.length; i++) {
      const prev = steps[i - 1] as ReplayStep;
      const step = steps[i] as ReplayStep;
      if (step.time < prev.time) {
        throw new ReplayError(
          `${file}: events[${i}].at: ${step.at} is before events[${i - 1}].at (${prev.at}); put the events in time order, or replay with --sort`,
        );
      }
    }
  }
  return { scenario, inlinePasses, steps };
}

/** Validates rows whole (every problem, up to 20), so none is applied unless all are sound. */
function rowsOrThrow(rows: readonly Record<string, unknown>[], where: string): Pass[] {
  const out: Pass[] = [];
  const problems: string[] = [];
  rows.forEach((raw, i) => {
    const r = validateSalesRow(raw, 'json');
    if (r.ok) out.push(r.pass);
    else for (const p of r.errors) problems.push(`${where}[${i}].${p.field}: ${p.message}`);
  });
  if (problems.length) throw new ReplayError(problems.slice(0, 20).join('\n'));
  const seen = new Set<string>();
  for (const [i, p] of out.entries()) {
    if (seen.has(p.pass_id))
      throw new ReplayError(`${where}[${i}].pass_id: duplicate pass_id "${p.pass_id}"`);
    seen.add(p.pass_id);
  }
  return out;
}
