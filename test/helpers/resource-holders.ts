/**
 * Who holds a TCP port or a Unix socket a test helper needs, read from /proc (Linux). The helpers
 * never kill what they did not start (a pcscd or broker on the machine may be someone's, on a
 * depot host the production one): they refuse, and the message names the holder and how to free
 * the resource. /proc/net/* lists the sockets of this network namespace; /proc/<pid>/fd links
 * name a socket by inode (`socket:[123]`), which is how a listener is traced to its process.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Holder {
  readonly pid: number;
  /** The command line, arguments joined by spaces (may be empty for a kernel thread). */
  readonly command: string;
}

/** LISTEN in /proc/net/tcp's `st` column (include/net/tcp_states.h). */
const TCP_LISTEN = '0A';
/** __SO_ACCEPTCON in /proc/net/unix's `Flags` column: a listening socket. */
const UNIX_ACCEPTCON = 0x10000;

/** Inodes of the TCP sockets (v4 and v6) listening on `port`, any address. */
export function tcpListenerInodes(port: number): string[] {
  const inodes: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const cols of procTable(table)) {
      const local = cols[1] ?? '';
      const localPort = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      if (localPort === port && cols[3] === TCP_LISTEN && cols[9]) inodes.push(cols[9]);
    }
  }
  return inodes;
}

/** Inodes of the Unix sockets listening at `path`. */
export function unixListenerInodes(path: string): string[] {
  const inodes: string[] = [];
  for (const cols of procTable('/proc/net/unix')) {
    // Num RefCount Protocol Flags Type St Inode Path
    if (cols[7] === path && (Number.parseInt(cols[3] ?? '0', 16) & UNIX_ACCEPTCON) !== 0 && cols[6]) {
      inodes.push(cols[6]);
    }
  }
  return inodes;
}

/** The processes with an open descriptor on one of these socket inodes. */
export function socketHolders(inodes: readonly string[]): Holder[] {
  if (inodes.length === 0) return [];
  const wanted = new Set(inodes.map((i) => `socket:[${i}]`));
  const holders: Holder[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    const holds = fds.some((fd) => {
      try {
        return wanted.has(readlinkSync(`/proc/${entry}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (holds) holders.push({ pid: Number(entry), command: commandOf(Number(entry)) });
  }
  return holders;
}

/** Processes listening on TCP `port` (empty when none, or none this user may see). */
export function tcpPortHolders(port: number): Holder[] {
  return socketHolders(tcpListenerInodes(port));
}

/** Processes listening on the Unix socket `path`. */
export function unixSocketHolders(path: string): Holder[] {
  return socketHolders(unixListenerInodes(path));
}

/** "pid 123 (/usr/sbin/pcscd -f)", or a plain phrase when the holder cannot be seen. */
export function describeHolders(holders: readonly Holder[]): string {
  if (holders.length === 0) return 'a process this test cannot see';
  return holders.map((h) => `pid ${h.pid} (${h.command || '?'})`).join(', ');
}

/**
 * Can a server listen on TCP `port` (all addresses, as vpcd does)? Binding is the one true test;
 * Node sets SO_REUSEADDR, so connections in TIME_WAIT do not count as taken.
 */
export function tcpPortBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

function procTable(path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return []; // no IPv6 in this namespace, say
  }
  return text
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/));
}
