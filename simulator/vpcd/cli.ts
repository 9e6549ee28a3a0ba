#!/usr/bin/env node
/**
 * The virtual FeliCa card as a process, for the demo's real-stack mode and manual checks:
 *
 *   node dist/simulator/vpcd/cli.js --idm 0114b3a1c2d3e4f5 --hold 800   one tap, then exit
 *   node dist/simulator/vpcd/cli.js --idm 0114b3a1c2d3e4f5              card stays until stdin closes
 *   node dist/simulator/vpcd/cli.js --slot 1                             line commands on stdin
 *
 * Prints one JSON line per event on stdout; `answered` carries the moment the card handed its IDm
 * to vpcd (`at`: epoch ms, `hr`: process.hrtime ns), for timing a tap through the stack.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseCommand, type SlotCommand } from './commands.js';
import { felicaCard } from './virtual-card.js';
import { VirtualCardSlot } from './virtual-card-slot.js';
import { VPCD_DEFAULT_PORT } from './vpcd-frame.js';

const HELP = `Usage: vpcd-card [options]

A virtual FeliCa card for pcscd's vpcd driver (vsmartcard): connects to vpcd as its card.

Options:
  --idm <hex16>     place a FeliCa card with this IDm at start
  --hold <ms>       with --idm: take the card away after <ms> and exit
  --slot <n>        vpcd slot: 0 = "Virtual PCD 00 00" (port ${VPCD_DEFAULT_PORT}), 1 = "… 00 01" (default 0)
  --port <port>     vpcd port (overrides --slot)
  --host <host>     vpcd host (default 127.0.0.1)
  -h, --help        this text

Without --hold, line commands are read from stdin until it closes:
  tap <idm> [holdMs] | insert <idm> | remove | foreign [mifare|iso] | pull <idm>
  status <idm> <sw> | hang <idm> | drop | quit
`;

function out(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function run(slot: VirtualCardSlot, cmd: SlotCommand): Promise<boolean> {
  switch (cmd.kind) {
    case 'tap':
      await slot.tap(cmd.card, cmd.holdMs);
      return true;
    case 'insert':
      await slot.insert(cmd.card);
      return true;
    case 'remove':
      await slot.remove();
      return true;
    case 'drop':
      await slot.dropConnection();
      return true;
    case 'quit':
      return false;
    default:
      return cmd satisfies never;
  }
}

async function main(): Promise<number> {
  let values: { idm?: string; hold?: string; slot?: string; port?: string; host?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        idm: { type: 'string' },
        hold: { type: 'string' },
        slot: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = values.port ? Number(values.port) : VPCD_DEFAULT_PORT + Number(values.slot ?? 0);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write('--port/--slot: not a valid port\n');
    return 2;
  }
  const slot = new VirtualCardSlot({ port, ...(values.host ? { host: values.host } : {}) });
  slot.onEvent((e) => out({ event: e.type, ...(e.detail ? { detail: e.detail } : {}), port }));
  slot.onAnswered((a) => out({ event: 'answered', idm: a.idm, at: a.at, hr: a.hr.toString(), port }));
  const shutdown = async (): Promise<void> => {
    await slot.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  try {
    if (values.idm) {
      const card = felicaCard(values.idm);
      if (values.hold !== undefined) {
        await slot.tap(card, Number(values.hold));
        await slot.close();
        return 0;
      }
      await slot.insert(card);
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    await slot.close();
    return 2;
  }

  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    let cmd: SlotCommand | null;
    try {
      cmd = parseCommand(line);
    } catch (err) {
      out({ event: 'error', detail: (err as Error).message });
      continue;
    }
    if (cmd && !(await run(slot, cmd))) break;
  }
  await slot.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
