import { ReadModel } from './read-model.js';
import type { DumpRow } from './types.js';

/** Where two read models first differ: the table, and the two rows (undefined where one table ended). */
export interface ReadModelDifference {
  table: string;
  /** 1-based row number within the table, in primary-key order */
  row: number;
  left?: DumpRow;
  right?: DumpRow;
}

/**
 * Compares two read models row for row, table by table in primary-key order, streaming (memory does not grow
 * with their size). Each side is read inside one read transaction, so a read model that its owner keeps
 * writing to is compared as one consistent snapshot. Returns the first difference, undefined when equal.
 * `tables` defaults to the projection's tables and the checkpoints (`ReadModel.tables`).
 */
export function firstDifference(
  left: ReadModel,
  right: ReadModel,
  tables: readonly string[] = ReadModel.tables,
): ReadModelDifference | undefined {
  return left.transaction(() => right.transaction(() => compareTables(left, right, tables)));
}

function compareTables(
  left: ReadModel,
  right: ReadModel,
  tables: readonly string[],
): ReadModelDifference | undefined {
  for (const table of tables) {
    const a = left.rows(table);
    const b = right.rows(table);
    try {
      for (let row = 1; ; row++) {
        const x = a.next();
        const y = b.next();
        if (x.done && y.done) break;
        if (x.done || y.done || !sameRow(x.value, y.value)) {
          return { table, row, left: x.done ? undefined : x.value, right: y.done ? undefined : y.value };
        }
      }
    } finally {
      a.return?.();
      b.return?.();
    }
  }
  return undefined;
}

function sameRow(a: DumpRow, b: DumpRow): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => key in b && a[key] === b[key]);
}

/** One readable line for a difference (bigints as decimal). */
export function describeDifference(difference: ReadModelDifference): string {
  const show = (row: DumpRow | undefined): string =>
    row === undefined
      ? '(no row)'
      : JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  return `table ${difference.table}, row ${difference.row}: ${show(difference.left)} vs ${show(difference.right)}`;
}
