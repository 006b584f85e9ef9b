import type Database from 'better-sqlite3';

type Prepared = Database.Statement<unknown[]>;

/**
 * One read-model connection as the question modules use it: each SQL text is prepared once and cached;
 * statements that read run in safe-integer mode, so integers come back as bigint.
 */
export class Sql {
  private readonly cache = new Map<string, Prepared>();

  constructor(readonly db: Database.Database) {}

  run(sql: string, ...params: unknown[]): void {
    this.prepare(sql).run(...params);
  }

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.prepare(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.prepare(sql).all(...params) as T[];
  }

  /** `EXPLAIN QUERY PLAN` of `sql` with `params`, one line per step. */
  explain(sql: string, params: readonly unknown[]): string[] {
    return this.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params).map((row) => row.detail);
  }

  private prepare(sql: string): Prepared {
    let statement = this.cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[]>(sql);
      if (statement.reader) statement.safeIntegers(true);
      this.cache.set(sql, statement);
    }
    return statement;
  }
}
