/**
 * `mkdir -p` that always ends. Node's `mkdirSync(path, { recursive: true })` spins forever when a
 * parent exists but the kernel still answers ENOENT for the child (any path under /proc, a
 * dangling symlink): it takes ENOENT as "parent missing", makes the parent (EEXIST) and retries
 * (seen on Node 20 with `data_dir: /proc/…`; the same loop is described in
 * https://github.com/oven-sh/bun/pull/40600 for Bun's copy of the walk). Here each missing
 * directory is made once, from the nearest existing ancestor down, and the first error is final.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

function notADirectory(path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOTDIR: not a directory, mkdir '${path}'`);
  err.code = 'ENOTDIR';
  err.path = path;
  return err;
}

/** Makes `path` and its missing parents (new ones with `mode`); a no-op when it is a directory. */
export function makeDirSync(path: string, mode = 0o700): void {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      if (!statSync(p).isDirectory()) throw notADirectory(p);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const parent = dirname(p);
      if (parent === p) throw err;
      missing.push(p);
      p = parent;
    }
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode });
    } catch (err) {
      // Another process made it meanwhile: fine if it is a directory.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!statSync(dir).isDirectory()) throw notADirectory(dir);
    }
  }
}
