/**
 * The depot half of the snapshot bench (test/bench/snapshot.ts), in a process of its own as on a
 * real depot: its packing work and garbage must not land in the bus's event loop. Publishes the
 * list in `state` again as a snapshot and prints `{ started_at, published_at, summary }` (epoch ms).
 * Usage: node dist/test/bench/snapshot-depot.js '<json options>'
 */
import { DepotState } from '../../sync/depot/depot-state.js';
import { republishSnapshot } from '../../sync/depot/publish-changes.js';
import { connectDepot } from '../../sync/depot/publish-connect.js';
import { DEFAULT_PUBLISH_SETTINGS } from '../../sync/depot/publish-context.js';
import { loadDepotPrivateKey } from '../../sync/keys.js';

interface DepotBenchOptions {
  readonly state: string;
  readonly url: string;
  readonly ca: string;
  readonly cert: string;
  readonly clientKey: string;
  readonly signingKey: string;
}

async function main(o: DepotBenchOptions): Promise<void> {
  const client = await connectDepot({
    url: o.url,
    tls: { ca: o.ca, cert: o.cert, key: o.clientKey },
    clientId: 'bench-depot',
  });
  const state = DepotState.open(o.state);
  try {
    const startedAt = Date.now();
    const summary = await republishSnapshot(
      {
        state,
        client,
        privateKey: loadDepotPrivateKey(o.signingKey),
        clock: { now: () => Date.now() },
        settings: DEFAULT_PUBLISH_SETTINGS,
      },
      'bench',
    );
    process.stdout.write(`${JSON.stringify({ started_at: startedAt, published_at: Date.now(), summary })}\n`);
  } finally {
    state.close();
    await client.endAsync();
  }
}

main(JSON.parse(process.argv[2] ?? '{}') as DepotBenchOptions).catch((err: unknown) => {
  process.stderr.write(`snapshot-depot: ${String((err as Error).stack ?? err)}\n`);
  process.exitCode = 1;
});
