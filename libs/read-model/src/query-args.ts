import { InvalidArgumentError } from './errors.js';
import type { StatementConnection } from './types.js';

/**
 * What every question's queries share: the page caps, the checks of `first` and `asOf`, the bitemporal
 * validity test and the columns a statement view is read from.
 */

export const MAX_PAGE_SIZE = 100;
/** `topics(first)` may ask for more: the list is small and dashboards show it whole. */
export const MAX_TOPICS = 1000;

export const STATEMENT_COLUMNS =
  's.id, s.valid_from, s.version, s.status, s.recorded_position, s.recorded_at, s.updated_at, s.data';

/** `alias` row valid at `asOf` (or current when undefined). */
export function validAt(alias: string, asOf: bigint | undefined, params: unknown[]): string {
  if (asOf === undefined) return `${alias}.valid_to IS NULL`;
  params.push(asOf, asOf);
  return `${alias}.valid_from <= ? AND (${alias}.valid_to IS NULL OR ${alias}.valid_to > ?)`;
}

export function checkAsOf(asOf: bigint | undefined): void {
  if (asOf !== undefined && (typeof asOf !== 'bigint' || asOf < 0n)) {
    throw new InvalidArgumentError('asOf', 'must be a non-negative position');
  }
}

export function checkFirst(first: number, field = 'first', max = MAX_PAGE_SIZE): void {
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw new InvalidArgumentError(field, `must be an integer from 0 to ${max}`);
  }
}

/** Which way a Relay page reads and how many items: `first` forwards, `last` backwards, never both. */
export function pageWindow(req: { first?: number; last?: number }): { backward: boolean; size: number } {
  if (req.first !== undefined && req.last !== undefined) {
    throw new InvalidArgumentError('last', 'give first or last, not both');
  }
  if (req.last !== undefined) {
    checkFirst(req.last, 'last');
    return { backward: true, size: req.last };
  }
  if (req.first === undefined) throw new InvalidArgumentError('first', 'give first or last');
  checkFirst(req.first);
  return { backward: false, size: req.first };
}

/**
 * The page with `totalCount` as a getter that runs `count` the first time it is read: a client that does not
 * select the field costs no count. The count reads the read model when the getter runs, not when the page
 * was read (each is its own statement, as page and count always were).
 */
export function withLazyCount(
  page: Omit<StatementConnection, 'totalCount'>,
  count: () => number,
): StatementConnection {
  let total: number | undefined;
  return Object.defineProperty(page, 'totalCount', {
    get: () => (total ??= count()),
    enumerable: true,
  }) as StatementConnection;
}
