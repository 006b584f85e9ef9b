import type Database from 'better-sqlite3';
import { DUMP_ORDER } from './schema.js';
import type { Sql } from './sql.js';
import type { DumpRow, ReadModelDump } from './types.js';

/**
 * Every row of `table` in primary-key order, one at a time (for comparing large read models without loading
 * them; integers as bigint). `table` must be one of `DUMP_ORDER`.
 */
export function* tableRows(db: Database.Database, table: string): IterableIterator<DumpRow> {
  const order = DUMP_ORDER[table];
  if (order === undefined) throw new Error(`unknown read-model table ${table}`);
  const statement = db.prepare<unknown[], DumpRow>(`SELECT * FROM ${table} ORDER BY ${order}`);
  statement.safeIntegers(true);
  yield* statement.iterate();
}

/** Every row of every table in primary-key order (the search table with its rowid, as `doc`). */
export function dumpTables(sql: Sql): ReadModelDump {
  const dump: ReadModelDump = {};
  for (const [table, order] of Object.entries(DUMP_ORDER)) {
    const rowid = table === 'statement_search' ? 'rowid AS doc, ' : '';
    dump[table] = sql.all<DumpRow>(`SELECT ${rowid}* FROM ${table} ORDER BY ${order}`);
  }
  return dump;
}
