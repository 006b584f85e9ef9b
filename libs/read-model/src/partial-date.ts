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
 * Inclusive sort-key bounds of a `from` / `to` filter, with whole-period semantics on the sort line:
 * `from: '2019-05'` starts at '2019-05-00' (so May 2019 and everything dated inside it, but not a statement
 * dated just '2019', which sorts before May); `to: '2019'` ends at '2019-99-99' (all of 2019, including
 * statements dated '2019' or '2019-12'). A range is therefore always one contiguous slice of the timeline.
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
