/** `stop-player` command, exported as a function so tests run it in-process. */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { playStops } from './player.js';

export const STOP_PLAYER_HELP = `Usage: node dist/simulator/stop-player/main.js --path PATH --route R --stops a,b,c [options]

Plays a route's stops into a serial port (a pty) as the bus's announcement controller:
one "$STOP,<route>,<trip>,<stop>*CS" line per stop. See hardware/README.md.

Options:
  --path PATH        serial device or pty to write to (required)
  --route R          route_id (required)
  --stops a,b,c      stop_ids in order (required)
  --trip T           trip_id (optional)
  --interval-ms N    time at each stop (default 5000)
  --repeat-ms N      repeat the current stop this often (default 0: once)
  --loop             start over after the last stop
  --baud N           baud rate (default 9600)
  --help             show this text
`;

export async function runStopPlayerCli(
  argv: readonly string[],
  io: { out: (t: string) => void; err: (t: string) => void },
  signal?: AbortSignal,
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        path: { type: 'string' },
        route: { type: 'string' },
        stops: { type: 'string' },
        trip: { type: 'string' },
        'interval-ms': { type: 'string', default: '5000' },
        'repeat-ms': { type: 'string', default: '0' },
        loop: { type: 'boolean', default: false },
        baud: { type: 'string', default: '9600' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${STOP_PLAYER_HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(STOP_PLAYER_HELP);
    return 0;
  }
  const problems: string[] = [];
  const path = values.path as string | undefined;
  const route = values.route as string | undefined;
  const stops = ((values.stops as string | undefined) ?? '').split(',').filter((s) => s !== '');
  if (!path) problems.push('--path is required');
  else if (!existsSync(path)) problems.push(`--path ${path} does not exist`);
  if (!route) problems.push('--route is required');
  if (stops.length === 0) problems.push('--stops needs at least one stop id');
  const intervalMs = Number(values['interval-ms']);
  const repeatMs = Number(values['repeat-ms']);
  const baud = Number(values.baud);
  if (!Number.isInteger(intervalMs) || intervalMs < 0)
    problems.push('--interval-ms must be a whole number >= 0');
  if (!Number.isInteger(repeatMs) || repeatMs < 0) problems.push('--repeat-ms must be a whole number >= 0');
  if (!Number.isInteger(baud) || baud < 50) problems.push('--baud must be a whole number');
  if (problems.length > 0 || !path || !route) {
    io.err(`${problems.join('\n')}\n`);
    return 2;
  }
  try {
    await playStops({
      path,
      route,
      stops,
      trip: values.trip as string | undefined,
      intervalMs,
      repeatMs,
      loop: values.loop === true,
      baud,
      ...(signal ? { signal } : {}),
      onLine: (line) => io.out(line.replace('\r\n', '\n')),
    });
  } catch (err) {
    io.err(`stop-player: ${(err as Error).message}\n`);
    return 1;
  }
  return 0;
}
