/**
 * What the demo prints for a person: stop announcements, each tap with the bus's driver screen as
 * a box (the display unit's own renderer, simulator/display-unit/render.ts: Japanese texts as sent
 * by the bus, coloured as the light on a terminal), and the summary. It goes to stdout, or to
 * stderr with `--json`, where stdout carries only the JSON summary.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderScreen } from '../display-unit/render.js';
import type { UnitState } from '../display-unit/unit.js';

export interface Names {
  stop(id: string): string;
  route(id: string): string;
}

/** Stop and route names from the GTFS feed (stops.txt, routes.txt; no quoted fields there). */
export function loadNames(networkDir: string): Names {
  const table = (file: string, key: string, value: string): Map<string, string> => {
    const lines = readFileSync(join(networkDir, file), 'utf8').split(/\r?\n/).filter(Boolean);
    const head = (lines[0] ?? '').replace(/^\uFEFF/, '').split(',');
    const k = head.indexOf(key);
    const v = head.indexOf(value);
    return new Map(
      lines
        .slice(1)
        .map((l) => l.split(','))
        .map((c) => [c[k] ?? '', c[v] ?? '']),
    );
  };
  const stops = table('stops.txt', 'stop_id', 'stop_name');
  const routes = table('routes.txt', 'route_id', 'route_short_name');
  return {
    stop: (id) => stops.get(id) ?? id,
    route: (id) => routes.get(id) ?? id,
  };
}

export class Terminal {
  readonly colour: boolean;
  readonly #write: (text: string) => void;

  constructor(opts: { colour: boolean; write?: (text: string) => void }) {
    this.colour = opts.colour;
    this.#write = opts.write ?? ((t) => process.stdout.write(t));
  }

  line(text = ''): void {
    this.#write(`${text}\n`);
  }

  /** Text without a line end (the interactive prompt). */
  write(text: string): void {
    this.#write(text);
  }

  dim(text: string): string {
    return this.colour ? `\x1b[2m${text}\x1b[0m` : text;
  }

  bold(text: string): string {
    return this.colour ? `\x1b[1m${text}\x1b[0m` : text;
  }

  red(text: string): string {
    return this.colour ? `\x1b[31m${text}\x1b[0m` : text;
  }

  /** The driver's screen of one bus, indented under the event that changed it. */
  screen(state: UnitState, title: string): void {
    const box = renderScreen(state, { width: 50, colour: this.colour, title });
    for (const l of box.split('\n')) this.line(`       ${l}`);
  }
}

export function hhmm(epochMs: number): string {
  // Asia/Tokyo is UTC+9 all year (no DST).
  return new Date(epochMs + 9 * 3600_000).toISOString().slice(11, 16);
}
