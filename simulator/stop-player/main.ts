#!/usr/bin/env node
/** Entry point: `node dist/simulator/stop-player/main.js --help`. */
import { runStopPlayerCli } from './cli.js';

const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
process.once('SIGTERM', () => abort.abort());
process.exitCode = await runStopPlayerCli(
  process.argv.slice(2),
  { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
  abort.signal,
);
