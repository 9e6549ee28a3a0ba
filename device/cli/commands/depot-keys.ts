/** `teiki depot keys generate`: a new list signing pair, and the line the buses need (issue 4, 11). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { generateDepotKeys } from '../../../sync/keys.js';
import { CliError } from '../errors.js';
import { printJson } from '../json.js';

export function registerDepotKeys(depot: Command): void {
  const keys = depot.command('keys').description('depot Ed25519 signing keys');
  keys
    .command('generate')
    .description(
      'make a new signing key pair: depot-<key_id>.key (private, mode 0600) and depot-<key_id>.pub.pem ' +
        '(the directory is created if missing; no file is ever overwritten); ' +
        'prints JSON with the paths and, as bus_config, the trust.depot_public_keys entry every bus needs',
    )
    .requiredOption('--out <dir>', 'directory the files are written to')
    .action((opts: { out: string }) => {
      let files: ReturnType<typeof generateDepotKeys>;
      try {
        files = generateDepotKeys(opts.out);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new CliError(`cannot write keys in ${opts.out}: ${code ?? (err as Error).message}`);
      }
      const pem = readFileSync(files.publicKeyPath, 'utf8');
      // The entry as the bus config holds it: a JSON string in trust.depot_public_keys (a PEM
      // with its newlines escaped), so it can be pasted as it is or merged by a script.
      const entry = JSON.stringify(pem);
      process.stderr.write(
        `teiki: key ${files.keyId}: add this entry to trust.depot_public_keys in every bus config ` +
          '(next to the key in use until every bus has it; systemd/DEPOT-GUIDE.md, key rotation):\n' +
          `${entry}\n`,
      );
      printJson({
        key_id: files.keyId,
        private_key: files.privateKeyPath,
        public_key: files.publicKeyPath,
        bus_config: { trust: { depot_public_keys: [pem] } },
      });
    });
}
