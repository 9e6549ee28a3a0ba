/**
 * Which PC/SC reader plays which role. Pure bookkeeping, no I/O.
 *
 * Config entries are tried in order; a reader takes the first entry whose `match` is a
 * case-insensitive substring of its name ('' matches any reader) and whose role is free.
 * Bindings are sticky: a reader keeps its role until it goes away, so a second reader plugged in
 * later never steals a role; when a bound reader goes away, a present unbound reader that
 * matches takes the role over.
 */
import type { ReaderRole } from '../ports/card-reader.js';

export interface PcscReaderConfig {
  /** Entries of another driver (e.g. 'sim') are ignored by the PC/SC adapter. */
  readonly driver?: string;
  /** Substring of the PC/SC reader name, case-insensitive; '' matches any reader. */
  readonly match: string;
  readonly role: ReaderRole;
}

export class ReaderAssignment {
  readonly #entries: readonly PcscReaderConfig[];
  /** Present readers in arrival order, with their role (null when unbound). */
  readonly #present = new Map<string, ReaderRole | null>();

  constructor(entries: readonly PcscReaderConfig[]) {
    this.#entries = entries.filter((e) => e.driver === undefined || e.driver === 'pcsc');
  }

  /** The configured roles, each once, in config order. */
  roles(): ReaderRole[] {
    return [...new Set(this.#entries.map((e) => e.role))];
  }

  /** A reader appeared; returns the role it takes, or null. */
  attach(name: string): ReaderRole | null {
    if (this.#present.has(name)) return this.#present.get(name) ?? null;
    const role = this.#firstFreeRole(name);
    this.#present.set(name, role);
    return role;
  }

  /** A reader went away; returns the role it held and the reader that takes that role over, if any. */
  detach(name: string): { role: ReaderRole | null; successor: string | null } {
    const role = this.#present.get(name) ?? null;
    this.#present.delete(name);
    if (role === null) return { role, successor: null };
    for (const [other, otherRole] of this.#present) {
      if (otherRole === null && this.#firstFreeRole(other) === role) {
        this.#present.set(other, role);
        return { role, successor: other };
      }
    }
    return { role, successor: null };
  }

  roleOf(name: string): ReaderRole | null {
    return this.#present.get(name) ?? null;
  }

  readerOf(role: ReaderRole): string | null {
    for (const [name, r] of this.#present) if (r === role) return name;
    return null;
  }

  clear(): void {
    this.#present.clear();
  }

  #firstFreeRole(name: string): ReaderRole | null {
    const lower = name.toLowerCase();
    const taken = new Set(this.#present.values());
    for (const e of this.#entries) {
      if (taken.has(e.role)) continue;
      if (lower.includes(e.match.toLowerCase())) return e.role;
    }
    return null;
  }
}
