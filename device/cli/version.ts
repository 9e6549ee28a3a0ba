/**
 * The package version, read once from package.json at run time (never a copy in the code): the
 * compiled file is dist/device/cli/version.js and package.json sits beside dist/; from the
 * sources (tests) it is two folders up. Both are found by walking up to the package's own file.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'teiki-validator';

/** The `version` of the teiki-validator package.json above `fromDir` (at most 5 levels up). */
export function readPackageVersion(fromDir: string = import.meta.dirname): string {
  let dir = fromDir;
  for (let i = 0; i < 5; i++) {
    let text: string | null = null;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      // not here: one folder up
    }
    if (text !== null) {
      const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`no ${PACKAGE_NAME} package.json above ${fromDir}`);
}
