import type { Command } from 'commander';
import { z } from 'zod';
import { DepotState, DepotStateBusyError } from '../../../sync/depot/depot-state.js';
import { connectDepot, DepotConnectError } from '../../../sync/depot/publish-connect.js';
import {
  DEFAULT_PUBLISH_SETTINGS,
  type PublishContext,
  type PublishStage,
} from '../../../sync/depot/publish-context.js';
import { publishExport } from '../../../sync/depot/publish-export.js';
import { PublishRefusedError } from '../../../sync/depot/publish-guard.js';
import { PublishSendError } from '../../../sync/depot/publish-send.js';
import { generateDepotKeys, loadDepotPrivateKey } from '../../../sync/keys.js';
import { LIMITS } from '../../../sync/limits.js';
import { COMPRESSIONS } from '../../../sync/schemas/manifest.js';
import { CliError, EXIT } from '../errors.js';

/** `teiki depot keys generate`, `teiki depot publish` (issue 4; sync/README.md). */
export function registerDepotLists(depot: Command): void {
  const keys = depot.command('keys').description('depot Ed25519 signing keys');
  keys
    .command('generate')
    .description(
      'make a new signing key pair: depot-<key_id>.key (private, mode 0600) and depot-<key_id>.pub.pem ' +
        '(put it in every bus config under trust.depot_public_keys)',
    )
    .requiredOption(
      '--out <dir>',
      'directory for the key files (created if missing; files are never overwritten)',
    )
    .action((opts: { out: string }) => {
      let files: ReturnType<typeof generateDepotKeys>;
      try {
        files = generateDepotKeys(opts.out);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new CliError(`cannot write keys in ${opts.out}: ${code ?? (err as Error).message}`);
      }
      process.stdout.write(
        `${JSON.stringify({ key_id: files.keyId, private_key: files.privateKeyPath, public_key: files.publicKeyPath })}\n`,
      );
    });

  depot
    .command('publish')
    .description(
      'publish a sales export as the next pass-list version: a signed delta against the list last ' +
        'published and, on --full or when due, a full snapshot; prints a JSON summary',
    )
    .requiredOption(
      '--passes <file>',
      'sales export (CSV, JSON Lines or JSON array), as for "teiki passes import"',
    )
    .requiredOption('--network <dir>', 'GTFS / GTFS-JP feed directory the list is made for')
    .requiredOption('--key <file>', 'depot private key (from "teiki depot keys generate"; mode 0600)')
    .requiredOption('--mqtt <url>', 'broker URL, e.g. mqtts://broker.example:8883')
    .option(
      '--state <dir>',
      "the depot's state: the list last published and the publish log",
      '/var/lib/teiki-depot',
    )
    .option('--full', 'send a full snapshot with this version, whatever the schedule')
    .option('--force', 'publish even if most active passes would disappear (the sanity guard)')
    .option('--ca <file>', 'CA certificate of the broker (PEM)')
    .option('--cert <file>', "the depot's client certificate (PEM, CN=depot)")
    .option('--client-key <file>', "the client certificate's private key (PEM)")
    .option('--client-id <id>', 'MQTT client id (default teiki-depot-publish-<pid>)')
    .option('--expires-in <days>', 'days the list stays in force on the buses', '3')
    .option('--snapshot-every <n>', 'send a snapshot with every n-th delta', '50')
    .option('--max-drop <share>', 'largest share of active passes a publish may drop without --force', '0.5')
    .option('--compression <kind>', `snapshot compression: ${COMPRESSIONS.join(' or ')}`, 'gzip')
    .action(async (raw: Record<string, unknown>) => {
      const o = parsePublishOptions(raw);
      const privateKey = loadKey(o.key);
      const client = await connectDepot({
        url: o.mqtt,
        tls: { ca: o.ca, cert: o.cert, key: o.clientKey },
        clientId: o.clientId,
      }).catch((err: unknown) => {
        throw err instanceof DepotConnectError
          ? new CliError(err.message, EXIT.failure)
          : new CliError((err as Error).message);
      });
      const progress = stageProgress();
      let state: DepotState | null = null;
      try {
        state = openState(o.state);
        const ctx: PublishContext = {
          state,
          client,
          privateKey,
          clock: { now: () => Date.now() },
          settings: {
            expiresInMs: o.expiresIn * 86_400_000,
            snapshotEvery: o.snapshotEvery,
            sanity: { ...DEFAULT_PUBLISH_SETTINGS.sanity, maxDropRatio: o.maxDrop },
            compression: o.compression,
          },
          onProgress: progress.update,
        };
        const summary = await publishExport(ctx, {
          passesFile: o.passes,
          networkDir: o.network,
          full: o.full === true,
          force: o.force === true,
        }).catch((err: unknown) => {
          if (err instanceof PublishRefusedError) throw new CliError(err.message);
          if (err instanceof PublishSendError) throw new CliError(err.message, EXIT.failure);
          throw err;
        });
        progress.done();
        for (const w of summary.warnings) process.stderr.write(`teiki: warning: ${w}\n`);
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } finally {
        progress.done();
        state?.close();
        await client.endAsync().catch(() => undefined);
      }
    });
}

const maxDays = LIMITS.maxListLifetimeMs / 86_400_000;
const PublishOptionsSchema = z.object({
  passes: z.string().min(1),
  network: z.string().min(1),
  key: z.string().min(1),
  mqtt: z.string().regex(/^(mqtts?|wss?):\/\/.+/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  state: z.string().min(1),
  full: z.boolean().optional(),
  force: z.boolean().optional(),
  ca: z.string().min(1).optional(),
  cert: z.string().min(1).optional(),
  clientKey: z.string().min(1).optional(),
  clientId: z.string().min(1).max(128).optional(),
  expiresIn: z.coerce
    .number()
    .positive()
    .max(maxDays, `must be at most ${maxDays} days (a bus refuses a list valid for longer)`),
  snapshotEvery: z.coerce.number().int().min(1),
  maxDrop: z.coerce.number().min(0).max(1),
  compression: z.enum(COMPRESSIONS),
});

const OPTION_NAMES: Record<string, string> = {
  expiresIn: '--expires-in',
  snapshotEvery: '--snapshot-every',
  maxDrop: '--max-drop',
  clientKey: '--client-key',
  clientId: '--client-id',
};

function parsePublishOptions(raw: Record<string, unknown>): z.infer<typeof PublishOptionsSchema> {
  const r = PublishOptionsSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  throw new CliError(`${OPTION_NAMES[key] ?? `--${key}`} ${issue.message}`);
}

function loadKey(path: string) {
  try {
    return loadDepotPrivateKey(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code ? `cannot read the signing key ${path} (${code})` : `--key ${(err as Error).message}`,
    );
  }
}

function openState(dir: string): DepotState {
  try {
    return DepotState.open(dir);
  } catch (err) {
    if (err instanceof DepotStateBusyError) throw new CliError(err.message, EXIT.store);
    throw new CliError(`cannot open the depot state in ${dir}: ${(err as Error).message}`, EXIT.store);
  }
}

/** Progress of a long publish on stderr: a rewritten line on a terminal, a line per step in a log. */
function stageProgress(): { update: (stage: PublishStage, done: number) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let open = false;
  let lastStep = '';
  return {
    update: (stage, done) => {
      const now = Date.now();
      if (tty) {
        if (now - last < 200) return;
        last = now;
        open = true;
        process.stderr.write(`\r\x1b[K${stage}: ${done.toLocaleString('en-US')}…`);
        return;
      }
      // Without a terminal: one line per 100,000 rows or 25 chunks, enough to see a big list move.
      const step = `${stage}:${stage === 'rows' ? Math.floor(done / 100_000) : Math.floor(done / 25)}`;
      if (
        step === lastStep ||
        done === 0 ||
        (stage === 'rows' && done < 100_000) ||
        (stage === 'chunks' && done < 25)
      )
        return;
      lastStep = step;
      process.stderr.write(`teiki: ${stage}: ${done.toLocaleString('en-US')}\n`);
    },
    done: () => {
      if (open) process.stderr.write('\n');
      open = false;
    },
  };
}
