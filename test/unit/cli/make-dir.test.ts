/**
 * `mkdir -p` that ends: no command may hang when its data directory cannot be made (issue 11).
 * Node's own `mkdirSync(…, { recursive: true })` spins forever on a path under /proc.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirSync } from '../../../device/store/make-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'teiki-mkdir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('makeDirSync', () => {
  it('makes the missing folders with the mode asked, and is a no-op on a folder that exists', () => {
    const deep = join(dir, 'a', 'b', 'c');
    makeDirSync(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
    makeDirSync(deep, 0o700);
  });

  it('fails at once, with the errno, where the kernel cannot make the folder', () => {
    expect(() => makeDirSync('/proc/teiki-no-such/data')).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
    expect(() => makeDirSync('/proc/teiki-no-such')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(() => makeDirSync(join(file, 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirSync(file)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });
});
