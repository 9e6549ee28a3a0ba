/**
 * The text reader reads its input once, as a stream: the encoding is decided from the first
 * bytes that tell (BOM, or a bounded sniff at the first non-ASCII byte), input that is not text
 * or is too large is refused naming the input and line, and pipes and named streams read like files.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCollector, ImportRefusedError } from '../../../device/imports/import-error.js';
import {
  type InputSource,
  readTextChunks,
  SNIFF_BYTES,
  type TextReadOptions,
  type TextReadState,
} from '../../../device/imports/text-source.js';
import { type TempDir, tempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** A named stream giving `bytes` in the given pieces (a pipe delivers whatever it has). */
function streamOf(bytes: Buffer, cuts: readonly number[] = []): InputSource {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    pieces.push(bytes.subarray(prev, c));
    prev = c;
  }
  return { name: 'stdin', stream: Readable.from(pieces.filter((p) => p.length > 0)) };
}

async function read(
  src: InputSource,
  opts: TextReadOptions = {},
): Promise<{ text: string; state: TextReadState }> {
  const state: TextReadState = { encoding: 'utf-8', bytes: 0 };
  let text = '';
  for await (const t of readTextChunks(src, new ErrorCollector(), state, opts)) text += t;
  return { text, state };
}

async function refusal(src: InputSource, opts: TextReadOptions = {}): Promise<ImportRefusedError> {
  const err = await read(src, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportRefusedError);
  return err as ImportRefusedError;
}

const JP = 'pass_id,area\nP1,松江管内\r\nP2,出雲管内\n';

describe('the text reader', () => {
  it('reads UTF-8 with or without a BOM, CRLF turned into LF', async () => {
    expect((await read(tmp.write('a.csv', JP))).text).toBe('pass_id,area\nP1,松江管内\nP2,出雲管内\n');
    const bom = await read(tmp.write('b.csv', `\uFEFF${JP}`));
    expect(bom.text.startsWith('pass_id')).toBe(true);
    expect(bom.state).toEqual({ encoding: 'utf-8', bytes: Buffer.byteLength(`\uFEFF${JP}`) });
  });

  it('reads Shift_JIS (CP932) decided at the first non-ASCII byte, however late it comes', async () => {
    // The first Japanese character comes after more ASCII than the sniff window holds.
    const text = `${'P0,ascii\n'.repeat(SNIFF_BYTES)}${JP}`;
    const out = await read(tmp.write('sjis.csv', iconv.encode(text, 'cp932')));
    expect(out.state.encoding).toBe('cp932');
    expect(out.text).toBe(text.replace(/\r\n/g, '\n'));
  });

  it('gives the same text for any chunking of a UTF-8 or CP932 input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'utf-8' | 'cp932'>('utf-8', 'cp932'),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        async (encoding, cuts, bom) => {
          const body = iconv.encode(JP.repeat(3), encoding);
          const bytes =
            bom && encoding === 'utf-8' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
          const out = await read(streamOf(bytes, cuts));
          expect(out.state.encoding).toBe(encoding);
          expect(out.text).toBe(JP.repeat(3).replace(/\r\n/g, '\n'));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads a named stream (stdin, a pipe) once, to the end', async () => {
    const out = await read(streamOf(Buffer.from(JP), [1, 2, 3, 17]));
    expect(out.text).toBe('pass_id,area\nP1,松江管内\nP2,出雲管内\n');
  });

  it('refuses a NUL byte at its line: /dev/zero, a database, UTF-16 without a BOM', async () => {
    const err = await refusal(tmp.write('bin.csv', Buffer.from('a,b\nc,d\ne\u0000f\n')));
    expect(err.message).toMatch(/bin\.csv:3: is not a text file \(it holds a NUL byte\)/);
    expect((await refusal({ name: 'stdin', stream: Readable.from([Buffer.alloc(65_536)]) })).message).toMatch(
      /^stdin:1: is not a text file/,
    );
  });

  it('refuses UTF-16, saying so', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('pass_id\n', 'utf16le')]);
    expect((await refusal(tmp.write('u16.csv', utf16))).message).toMatch(/u16\.csv:1: is UTF-16 text/);
  });

  it('refuses a file that began as UTF-8 and turns into something else, at that line', async () => {
    // Past the sniff window (within it, the whole window decides: CP932).
    const ascii = 'b,c\n'.repeat(SNIFF_BYTES / 4);
    const bytes = Buffer.concat([Buffer.from(`a,松江\n${ascii}`), iconv.encode('d,出雲\n', 'cp932')]);
    const err = await refusal(tmp.write('mixed.csv', bytes));
    const line = 2 + SNIFF_BYTES / 4;
    expect(err.message).toMatch(
      new RegExp(`mixed\\.csv:${line}: is not valid UTF-8 here, though it began as UTF-8`),
    );
  });

  it('refuses input over the size cap, naming the cap and how to raise it', async () => {
    const err = await refusal(streamOf(Buffer.from('\n'.repeat(5000)), [1000, 2000]), {
      maxBytes: 4096,
      maxBytesHint: '--max-bytes',
    });
    expect(err.message).toBe(
      'stdin: larger than the input limit of 4 KiB (4096 bytes; raise it with --max-bytes)',
    );
    // Exactly at the cap is fine.
    await expect(read(streamOf(Buffer.from('\n'.repeat(4096))), { maxBytes: 4096 })).resolves.toBeTruthy();
  });

  it('refuses what cannot be read, naming the reason', async () => {
    expect((await refusal(`${tmp.dir}/nope.csv`)).message).toMatch(/nope\.csv: cannot read \(ENOENT\)/);
    expect((await refusal(tmp.dir)).message).toMatch(/cannot read \(EISDIR\)/);
  });
});
