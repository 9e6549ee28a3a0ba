/** The key/value `meta` table of a store: versions, times and counters that must survive restarts. */
import type Database from 'better-sqlite3';
import type { Db } from './sqlite.js';

export class MetaTable {
  readonly #get: Database.Statement<[string], { value: string | null }>;
  readonly #set: Database.Statement<[string, string | null]>;

  constructor(db: Db) {
    this.#get = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#set = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  get(key: string): string | null {
    return this.#get.get(key)?.value ?? null;
  }

  getInt(key: string): number | null {
    const v = this.get(key);
    return v === null ? null : Number(v);
  }

  set(key: string, value: string | number | null): void {
    this.#set.run(key, value === null ? null : String(value));
  }
}
