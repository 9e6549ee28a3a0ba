/**
 * Spawning the system's `openssl`: node:crypto reads X.509 certificates but cannot make them.
 * Arguments go as an array (no shell), so file names and subjects are never re-parsed.
 */
import { execFile } from 'node:child_process';

/** `openssl` is not installed (or not on PATH): the operator installs it, nothing else helps. */
export class OpensslMissingError extends Error {
  override readonly name = 'OpensslMissingError';
}

/** `openssl` ran and failed; the message carries its last line of stderr. */
export class OpensslError extends Error {
  override readonly name = 'OpensslError';
}

export type OpensslRunner = (args: readonly string[], cwd: string) => Promise<void>;

/** Runs `openssl ARGS` in `cwd`; `binary` lets a test point at another executable. */
export function opensslRunner(binary = 'openssl'): OpensslRunner {
  return (args, cwd) =>
    new Promise((resolve, reject) => {
      execFile(binary, [...args], { cwd, timeout: 60_000 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(
            new OpensslMissingError(
              `${binary} is not installed or not on PATH: install it (Debian: apt-get install openssl)`,
            ),
          );
        }
        const last = stderr.trim().split('\n').pop() ?? err.message;
        reject(new OpensslError(`openssl ${args[0]} failed: ${last}`));
      });
    });
}
