import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where a worker thread's JavaScript is. Built code finds it beside the module that starts it.
 * Under vitest the modules are TypeScript sources, which a worker thread cannot load; the worker
 * then comes from the same place under dist/ (test/helpers/build-dist.ts compiles it before any
 * test runs). `script` is relative to `here`, e.g. './list-sync-worker.js'.
 */
export function workerScriptUrl(script: string, here: string): URL {
  if (here.endsWith('.js')) return new URL(script, here);
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const source = fileURLToPath(new URL(script, here));
  return pathToFileURL(`${root}dist/${source.slice(root.length)}`);
}

/** The list-sync worker (list-sync-worker.ts). */
export function defaultWorkerUrl(): URL {
  return workerScriptUrl('./list-sync-worker.js', import.meta.url);
}
