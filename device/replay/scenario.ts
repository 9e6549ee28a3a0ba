/** Parses a replay scenario, naming the file, the event index and the field on any error. */
import type { z } from 'zod';
import { formatPath } from '../config/load.js';
import type { Scenario, ScenarioEvent } from './scenario-schema.js';
import { PassesEventSchema, ScenarioSchema, StopEventSchema, TapEventSchema } from './scenario-schema.js';

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
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

export function parseScenario(text: string, file: string): { scenario: Scenario; events: ScenarioEvent[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ReplayError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) throw new ReplayError(`${file}: ${issues(parsed.error, '')}`);
  const events: ScenarioEvent[] = [];
  parsed.data.events.forEach((ev, i) => {
    const where = `events[${i}]`;
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
    events.push(r.data);
  });
  return { scenario: parsed.data, events };
}
