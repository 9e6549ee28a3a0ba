#!/usr/bin/env node
/** Entry point: `node dist/simulator/display-unit/main.js --help`. */
import { runDisplayUnitCli } from './cli.js';

const io = {
  out: (t: string) => process.stdout.write(t),
  err: (t: string) => process.stderr.write(t),
  isTty: process.stdout.isTTY === true,
};

const result = await runDisplayUnitCli(process.argv.slice(2), io);
if (typeof result === 'number') {
  process.exitCode = result;
} else {
  const stop = (): void => {
    void result.attached.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.exitCode = await result.ended;
  await result.attached.close();
}
