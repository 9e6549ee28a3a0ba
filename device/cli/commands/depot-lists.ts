import type { Command } from 'commander';
import { registerDepotKeys } from './depot-keys.js';
import { registerDepotPublish } from './depot-publish.js';

/** `teiki depot keys generate`, `teiki depot publish` (issue 4; sync/README.md). */
export function registerDepotLists(depot: Command): void {
  registerDepotKeys(depot);
  registerDepotPublish(depot);
}
