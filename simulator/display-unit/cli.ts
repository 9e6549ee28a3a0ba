/**
 * `display-unit` command: a display unit in a terminal at the far end of a pty pair.
 * Exported as a function so tests run it in-process (exit codes returned, not exited).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { TextEncoding } from '../../hardware/serial/text-codec.js';
import { type AttachedUnit, attachDisplayUnit } from './attach.js';
import { DEFAULT_WIDTH, renderScreen } from './render.js';

export const DISPLAY_UNIT_HELP = `Usage: node dist/simulator/display-unit/main.js --path /dev/pts/N [options]

Simulates the driver display unit (screen, buzzer, two-colour light) on a serial port:
decodes frames, answers ACK/NAK and draws the screen. See hardware/README.md.

Options:
  --path PATH        serial device or pty to listen on (required)
  --encoding ENC     text encoding of frames: utf-8 (default) or shift_jis
  --baud N           baud rate (default 115200)
  --drop-acks P      probability 0..1 that an ACK is lost (frame still shown)
  --delay-ms N       delay every reply by N ms
  --corrupt P        probability 0..1 that a reply is damaged on the wire
  --nak P            probability 0..1 that a good frame is refused with NAK
  --width N          screen width in columns (default ${DEFAULT_WIDTH})
  --title TEXT       title in the screen's border
  --no-colour        no ANSI colours
  --help             show this text
`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
}

export interface RunningUnit {
  readonly attached: AttachedUnit;
  /** Resolves with the exit code when the port is lost. */
  readonly ended: Promise<number>;
}

/** Parses arguments and starts the unit. Returns an exit code when it cannot start or only printed help. */
export async function runDisplayUnitCli(argv: readonly string[], io: CliIo): Promise<number | RunningUnit> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        path: { type: 'string' },
        encoding: { type: 'string', default: 'utf-8' },
        baud: { type: 'string', default: '115200' },
        'drop-acks': { type: 'string', default: '0' },
        'delay-ms': { type: 'string', default: '0' },
        corrupt: { type: 'string', default: '0' },
        nak: { type: 'string', default: '0' },
        width: { type: 'string', default: String(DEFAULT_WIDTH) },
        title: { type: 'string' },
        'no-colour': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${DISPLAY_UNIT_HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(DISPLAY_UNIT_HELP);
    return 0;
  }
  const problems: string[] = [];
  const path = values.path as string | undefined;
  if (!path) problems.push('--path is required');
  else if (!existsSync(path)) problems.push(`--path ${path} does not exist`);
  const encoding = values.encoding as string;
  if (encoding !== 'utf-8' && encoding !== 'shift_jis')
    problems.push('--encoding must be utf-8 or shift_jis');
  const num = (name: string, min: number, max: number): number => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min || n > max)
      problems.push(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  const baud = num('baud', 50, 4_000_000);
  const dropAcks = num('drop-acks', 0, 1);
  const delayMs = num('delay-ms', 0, 60_000);
  const corrupt = num('corrupt', 0, 1);
  const nak = num('nak', 0, 1);
  const width = num('width', 20, 200);
  if (problems.length > 0 || !path) {
    io.err(`${problems.join('\n')}\n`);
    return 2;
  }

  const colour = !values['no-colour'];
  const title = values.title as string | undefined;
  let lost: (code: number) => void = () => {};
  const ended = new Promise<number>((resolve) => {
    lost = resolve;
  });
  const attached = await attachDisplayUnit(path, {
    encoding: encoding as TextEncoding,
    baud,
    dropAcks,
    delayMs,
    corrupt,
    nak,
    onLost: (err) => {
      io.err(`display unit: port lost (${err.message})\n`);
      lost(3);
    },
  });
  const draw = (): void => {
    const c = attached.unit.counters;
    const screen = renderScreen(attached.unit.state, { width, colour, ...(title ? { title } : {}) });
    const footer = `frames ${c.frames}  ACK ${c.acks}  NAK ${c.naks}  dup ${c.duplicates}  damaged ${c.damaged}`;
    io.out(`${io.isTty ? '\x1b[2J\x1b[H' : ''}${screen}\n${footer}\n`);
  };
  // After the frame's reply went out, so the footer counts it.
  attached.unit.onMessage(() => queueMicrotask(draw));
  draw();
  return { attached, ended };
}
