import { isPartialDate, partialDateSortKey, partialDateUpperSortKey } from '#domain';
import { InvalidArgumentError } from './errors.js';

/**
 * Partial dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) as the read model's sort keys: the domain's
 * `partialDateSortKey`, one fixed width, so SQLite orders them with a plain string comparison. A partial
 * date sorts at the START of its period and before every finer date inside it
 * ('2019' -> '2019-00-00' < '2019-01-00' < '2019-01-01').
 */

const SORT_KEY = /^\d{4}-\d{2}-\d{2}$/;

export function isSortKey(value: string): boolean {
  return SORT_KEY.test(value);
}

export function sortKeyOf(occurredOn: string): string {
  return partialDateSortKey(occurredOn);
}

/**
 * Sort-key bounds of a `from` / `to` filter. A statement is in a range when its PERIOD OVERLAPS it (DESIGN
 * §11.23): its period starts at its sort key and ends with the end of its year, month or day. `upper` is the
 * end of `to`'s period (`to: '2019'` -> '2019-99-99'), and a statement starting at or before it overlaps on
 * that side. `lower` is the start of `from`'s period; a statement overlaps on that side when it ends at or
 * after `lower`: see `overlapsFromTerm`, which also admits the coarser periods that contain `lower` (a
 * statement dated '2019' or '2019-05' is in `from: '2019-05-16'`).
 */
export function sortKeyRange(
  from: string | undefined,
  to: string | undefined,
): { lower?: string; upper?: string } {
  const range: { lower?: string; upper?: string } = {};
  if (from !== undefined) {
    if (!isPartialDate(from)) throw new InvalidArgumentError('filter.from', `not a partial date: ${from}`);
    range.lower = partialDateSortKey(from);
  }
  if (to !== undefined) {
    if (!isPartialDate(to)) throw new InvalidArgumentError('filter.to', `not a partial date: ${to}`);
    range.upper = partialDateUpperSortKey(to);
  }
  return range;
}

/**
 * The SQL condition "the statement whose period starts at `column` ends at or after `lower`", pushing its
 * parameters: `column >= lower`, or `column` is the year or the month that contains `lower` (their keys sort
 * before it). Written as a range from the year's key, so a timeline index still serves it as a range scan.
 *
 * `from: '2019-05-16'`: '2019-05-16', '2019-06' and '2020' are in, and so are '2019' and '2019-05' (periods
 * that contain the 16th); '2019-05-15' and '2019-04' are not. `from: '2019-05'`: '2019' is in, '2019-04' not.
 */
export function overlapsFromTerm(column: string, lower: string, params: unknown[]): string {
  const [year, month] = lower.split('-');
  const yearKey = `${year}-00-00`;
  const monthKey = `${year}-${month}-00`;
  if (lower === yearKey) {
    params.push(lower);
    return `${column} >= ?`;
  }
  params.push(yearKey, lower, yearKey, monthKey);
  return `(${column} >= ? AND (${column} >= ? OR ${column} IN (?, ?)))`;
}
