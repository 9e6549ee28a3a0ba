/** `teiki depot publish` (issue 4; sync/README.md), its settings from flags and the depot config. */
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
import { loadDepotPrivateKey } from '../../../sync/keys.js';
import { LIMITS } from '../../../sync/limits.js';
import { COMPRESSIONS } from '../../../sync/schemas/manifest.js';
import { CliError, EXIT } from '../errors.js';
import { printJson } from '../json.js';
import { estimateRows } from '../line-estimate.js';
import { createProgress } from '../progress.js';
import { addBrokerOptions, addRenamedOptions, DepotSettings, depotOptions } from './depot-options.js';

/** What each publish stage is called on stderr ('clearing' has no count: it only ends the one before). */
const STAGE_LABELS: Record<Exclude<PublishStage, 'clearing'>, string> = {
  rows: 'rows read',
  chunks: 'snapshot chunks sent',
};

export function registerDepotPublish(depot: Command): void {
  const cmd = depot
    .command('publish')
    .description(
      'publish a sales export as the next pass-list version: a signed delta against the list last ' +
        'published and, on --full or when due, a full snapshot; prints a JSON summary',
    )
    .requiredOption(
      '--passes <file>',
      'sales export (CSV, JSON Lines or JSON array), as for "teiki passes import"',
    )
    .addOption(depotOptions.config())
    .addOption(depotOptions.network(true))
    .addOption(depotOptions.signingKey(true))
    .addOption(depotOptions.state(true));
  addBrokerOptions(cmd, true)
    .addOption(
      depotOptions.clientId(
        " (default: teiki-depot-publish-<pid>; never mqtt.client_id, the collector's session)",
      ),
    )
    .option('--full', 'send a full snapshot with this version, whatever the schedule')
    .option(
      '--force',
      'go ahead even if more than --max-drop of the active passes would disappear (the drop guard)',
    )
    .option('--expires-in <days>', 'days the list stays in force on the buses', '3')
    .option('--snapshot-every <n>', 'send a snapshot with every n-th delta', '50')
    .option(
      '--max-drop <share>',
      'largest share of the active passes that may disappear without --force',
      '0.5',
    )
    .option('--compression <kind>', `snapshot compression: ${COMPRESSIONS.join(' or ')}`, 'gzip')
    .addHelpText(
      'after',
      '\nWith a depot config (--config, or ~/.config/teiki/depot.json) holding state_dir, signing_key,\n' +
        'network and mqtt, a publish is just: teiki depot publish --passes passes-2026-04-01.csv\n',
    );
  addRenamedOptions(cmd, {
    '--key': '--signing-key (the list signing key; the TLS client key is --tls-key)',
    '--client-key': '--tls-key',
    '--cert': '--tls-cert',
  });
  cmd.action(async (_opts: unknown, command: Command) => {
    const o = publishOptions(command);
    const privateKey = loadKey(o.signingKey, o.signingKeyName);
    let client: Awaited<ReturnType<typeof connectDepot>>;
    try {
      client = await connectDepot({
        url: o.mqtt,
        tls: { ca: o.ca, cert: o.tlsCert, key: o.tlsKey },
        tlsNames: o.tlsNames,
        clientId: o.clientId,
      });
    } catch (err) {
      // A broker that cannot be reached may answer next time (1); a TLS file or CA that is wrong
      // is the person's to fix (2).
      throw err instanceof DepotConnectError
        ? new CliError(err.message, err.settings ? EXIT.badInput : EXIT.failure)
        : new CliError((err as Error).message);
    }
    const progress = createProgress();
    const rowsTotal = progress.tty ? await estimateRows(o.passes) : undefined;
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
        onProgress: (stage, done) => {
          if (stage === 'clearing') progress.end();
          else progress.update(STAGE_LABELS[stage], done, stage === 'rows' ? rowsTotal : undefined);
        },
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
      progress.end();
      for (const w of summary.warnings) process.stderr.write(`teiki: warning: ${w}\n`);
      printJson(summary);
    } finally {
      progress.stop();
      state?.close();
      await client.endAsync().catch(() => undefined);
    }
  });
}

const maxDays = LIMITS.maxListLifetimeMs / 86_400_000;
const PublishOptionsSchema = z.object({
  passes: z.string().min(1),
  network: z.string().min(1),
  signingKey: z.string().min(1),
  mqtt: z.string().regex(/^(mqtts?|wss?):\/\/.+/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  state: z.string().min(1),
  full: z.boolean().optional(),
  force: z.boolean().optional(),
  ca: z.string().min(1).optional(),
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
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
  signingKey: '--signing-key',
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
  clientId: '--client-id',
};

type PublishOptions = z.infer<typeof PublishOptionsSchema> & {
  tlsNames: ReturnType<DepotSettings['broker']>['names'];
  signingKeyName: string;
};

/** The command's flags over the depot config; a missing or bad one is exit 2 naming it. */
function publishOptions(command: Command): PublishOptions {
  const s = DepotSettings.of(command);
  const raw = command.opts<Record<string, unknown>>();
  const broker = s.broker();
  const merged = {
    ...raw,
    network: s.required('network', '--network', 'network', s.config.network),
    signingKey: s.required('signingKey', '--signing-key', 'signing_key', s.config.signing_key),
    state: s.required('state', '--state', 'state_dir', s.config.state_dir),
    mqtt: s.required('mqtt', '--mqtt', 'mqtt.url', s.config.mqtt?.url),
    ca: broker.tls.ca,
    tlsCert: broker.tls.cert,
    tlsKey: broker.tls.key,
  };
  const r = PublishOptionsSchema.safeParse(merged);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    throw new CliError(`${OPTION_NAMES[key] ?? `--${key}`} ${issue.message}`);
  }
  const signingKeyName =
    s.given('signingKey') || s.file === null ? '--signing-key' : `signing_key in ${s.file}`;
  return { ...r.data, tlsNames: broker.names, signingKeyName };
}

function loadKey(path: string, name: string) {
  try {
    return loadDepotPrivateKey(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code ? `cannot read the signing key ${path} (${name}: ${code})` : `${name}: ${(err as Error).message}`,
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
