/**
 * A quick total for a progress bar: the lines of a text file, less a CSV header. An estimate (a
 * quoted field may hold a newline; a JSON array may sit on one line), used only to draw a bar on
 * a terminal: the stage's real count replaces it when the stage ends.
 */
import { createReadStream } from 'node:fs';

/** Lines of `file` that may be rows, or undefined when it cannot be read (the import will say why). */
export async function estimateRows(file: string): Promise<number | undefined> {
  let lines = 0;
  let last = 0x0a;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      let i = chunk.indexOf(0x0a);
      while (i >= 0) {
        lines++;
        i = chunk.indexOf(0x0a, i + 1);
      }
      if (chunk.length > 0) last = chunk[chunk.length - 1]!;
    }
  } catch {
    return undefined;
  }
  if (last !== 0x0a) lines++; // a last line without its newline
  const header = /\.csv$/i.test(file) ? 1 : 0;
  return lines > header ? lines - header : undefined;
}
