/**
 * JSON for scripts: every document a command prints has snake_case keys (README, "The command
 * line"), whatever the internal objects call their fields.
 */
import type { ListInfo } from '../store/types.js';

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A copy of `value` with every object key in snake_case (arrays and nested objects too). */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object' || value.constructor !== Object) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), snakeKeys(v)]));
}

/** The pass list in force as `teiki status --json` and the imports print it. */
export function passListJson(info: ListInfo) {
  return {
    version: info.version,
    count: info.count,
    active: info.active,
    card_changes: info.changes,
    applied_at: info.appliedAt,
    expires_at: info.expiresAt,
    source: info.source,
  };
}

/** One JSON document and a newline on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
