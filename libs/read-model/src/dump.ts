import type Database from 'better-sqlite3';
import { DUMP_QUERIES } from './schema.js';
import type { Sql } from './sql.js';
import type { DumpRow, ReadModelDump } from './types.js';

/**
 * Every row of `table` in primary-key order, one at a time (for comparing large read models without loading
 * them; integers as bigint). `table` must be one of `DUMP_QUERIES`.
 */
export function* tableRows(db: Database.Database, table: string): IterableIterator<DumpRow> {
  const query = DUMP_QUERIES[table];
  if (query === undefined) throw new Error(`unknown read-model table ${table}`);
  const statement = db.prepare<unknown[], DumpRow>(query);
  statement.safeIntegers(true);
  yield* statement.iterate();
}

/** Every row of every table of `DUMP_QUERIES` in primary-key order. */
export function dumpTables(sql: Sql): ReadModelDump {
  const dump: ReadModelDump = {};
  for (const [table, query] of Object.entries(DUMP_QUERIES)) dump[table] = sql.all<DumpRow>(query);
  return dump;
}
