/**
 * Options more than one command takes, defined once so that one name means one thing everywhere
 * (issue 11): `--config` is the config file of the command's side (the validator's for the bus
 * commands, the depot's for `teiki depot …`), `--json` prints JSON for scripts. The depot's own
 * shared options are in commands/depot-options.ts.
 */
import { Option } from 'commander';

/** The validator config every bus command needs. */
export const validatorConfigOption = () =>
  new Option('--config <file>', 'validator config JSON').makeOptionMandatory();

/** Machine-readable output: JSON on stdout, snake_case keys. */
export const jsonOption = () => new Option('--json', 'print JSON for scripts (snake_case keys)');
