/** What /proc says about a child process (Linux): its resident memory and CPU time. */
import { readFileSync } from 'node:fs';

/** VmRSS in KiB; NaN once the process has exited (a zombie has no VmRSS line). */
export function vmRssKb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m);
  return Number(m?.[1] ?? Number.NaN);
}

/** User + system CPU time in ms (/proc/PID/stat fields 14 and 15, clock ticks of 10 ms on Linux). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
