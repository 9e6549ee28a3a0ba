/** Progress for long depot jobs: a rewritten line on stderr when it is a terminal, else nothing. */
export function progressLine(what: string): { update: (done: number) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let shown = false;
  return {
    update: (done) => {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      shown = true;
      process.stderr.write(`\r${what}: ${done.toLocaleString('en-US')} rows…`);
    },
    done: () => {
      if (tty && shown) process.stderr.write('\n');
      shown = false;
    },
  };
}
