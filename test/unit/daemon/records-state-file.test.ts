/** Where the daemon tells `teiki status` its records storage state (issue 12 point 2). */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RECORDS_STATE_FILE,
  type RecordsState,
  readRecordsState,
  removeRecordsState,
  runtimeStatePath,
  writeRecordsState,
} from '../../../device/daemon/records-state-file.js';

let root: string;
let dataDir: string;
let runtime: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'teiki-rsf-'));
  dataDir = join(root, 'data');
  runtime = join(root, 'shm');
  for (const d of [dataDir, runtime]) mkdirSync(d);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const state = (over: Partial<RecordsState> = {}): RecordsState => ({
  pid: process.pid,
  updated_at: '2026-04-01T00:00:00.000Z',
  storage: 'ok',
  pending_in_memory: 0,
  lost: 0,
  bound: 10_000,
  ...over,
});

describe('the records state file', () => {
  it('lives in the data directory while it can be written, owner-only, and nowhere else', () => {
    expect(writeRecordsState(dataDir, state(), runtime)).toBe(true);
    expect((statSync(join(dataDir, RECORDS_STATE_FILE)).mode & 0o777).toString(8)).toBe('600');
    expect(existsSync(runtimeStatePath(dataDir, runtime))).toBe(false);
    expect(readRecordsState(dataDir, runtime)).toEqual(state());
  });

  it('goes to the runtime directory when the data directory cannot be written, and the newer copy wins', () => {
    writeRecordsState(dataDir, state(), runtime);
    const gone = join(root, 'no-such-dir');
    expect(writeRecordsState(gone, state({ storage: 'read_only' }), runtime)).toBe(true);
    expect(readRecordsState(gone, runtime)).toMatchObject({ storage: 'read_only' });
    // An old copy in data_dir (written while it could be) loses to a newer one in /dev/shm. A
    // directory where the temporary file goes makes data_dir unwritable, even for root.
    mkdirSync(join(dataDir, `${RECORDS_STATE_FILE}.${process.pid}.tmp`));
    writeRecordsState(
      dataDir,
      state({ updated_at: '2026-04-01T09:00:00.000Z', pending_in_memory: 5 }),
      runtime,
    );
    expect(existsSync(runtimeStatePath(dataDir, runtime))).toBe(true);
    expect(readRecordsState(dataDir, runtime)).toMatchObject({ pending_in_memory: 5 });
    removeRecordsState(dataDir, runtime);
    expect(readRecordsState(dataDir, runtime)).toBeNull();
  });
});
