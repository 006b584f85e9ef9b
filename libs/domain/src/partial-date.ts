import { ValidationError } from './errors.js';

/**
 * Partial dates: when a statement was said, as precisely as it is known. `YYYY`, `YYYY-MM` or `YYYY-MM-DD`,
 * zero-padded, real calendar dates only (`2019-02-30`, `2019-13` and `2019-2-1` are errors).
 */
export const PARTIAL_DATE_PRECISIONS = ['YEAR', 'MONTH', 'DAY'] as const;
export type PartialDatePrecision = (typeof PARTIAL_DATE_PRECISIONS)[number];

export interface PartialDate {
  value: string;
  precision: PartialDatePrecision;
}

const PARTIAL_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Why `value` is not a partial date, or undefined when it is one. */
function partialDateProblem(value: string): string | undefined {
  const match = PARTIAL_DATE.exec(value);
  if (!match) return `"${value}" is not a partial date (expected YYYY, YYYY-MM or YYYY-MM-DD)`;
  const [, y, m, d] = match;
  const year = Number(y);
  if (year < 1) return `"${value}" has no year 0000`;
  if (m === undefined) return undefined;
  const month = Number(m);
  if (month < 1 || month > 12) return `"${value}" has no month ${m}`;
  if (d === undefined) return undefined;
  const day = Number(d);
  if (day < 1 || day > daysInMonth(year, month)) return `"${value}" is not a calendar date`;
  return undefined;
}

export const isPartialDate = (value: string): boolean => partialDateProblem(value) === undefined;

/** Parses a partial date; surrounding whitespace is ignored. Throws `ValidationError(field, ...)`. */
export function parsePartialDate(value: unknown, field: string): PartialDate {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a partial date string');
  const trimmed = value.trim();
  const problem = partialDateProblem(trimmed);
  if (problem !== undefined) throw new ValidationError(field, problem);
  return { value: trimmed, precision: partialDatePrecision(trimmed) };
}

/** The precision of a valid partial date. */
export function partialDatePrecision(value: string): PartialDatePrecision {
  return value.length === 4 ? 'YEAR' : value.length === 7 ? 'MONTH' : 'DAY';
}

/**
 * A key that sorts a partial date at the START of its period, before any finer date inside it:
 * `2019` -> `2019-00-00`, `2019-05` -> `2019-05-00`, `2019-05-16` -> `2019-05-16`. Compare keys as strings.
 * Use it for ordering timelines and for the lower bound of a `from` filter: `key >= partialDateSortKey(from)`.
 */
export function partialDateSortKey(value: string): string {
  const [year, month = '00', day = '00'] = value.split('-');
  return `${year}-${month}-${day}`;
}

/**
 * A key that sorts after every date inside the period of `value`: `2019` -> `2019-99-99`, `2019-05` ->
 * `2019-05-99`, `2019-05-16` -> `2019-05-16`. For an inclusive `to` filter over sort keys:
 * `partialDateSortKey(occurredOn) <= partialDateUpperSortKey(to)`, so `to: '2019'` includes all of 2019
 * (`2019`, `2019-12`, `2019-12-31`), and `from: '2019-05'` includes `2019-05` and all of May but not `2019`.
 */
export function partialDateUpperSortKey(value: string): string {
  const [year, month = '99', day = '99'] = value.split('-');
  return `${year}-${month}-${day}`;
}

/** The first and last calendar day (`YYYY-MM-DD`) of the period of a valid partial date. */
export function partialDateRange(value: string): { start: string; end: string } {
  const [y, m, d] = value.split('-');
  const year = Number(y);
  if (m === undefined) return { start: `${y}-01-01`, end: `${y}-12-31` };
  if (d === undefined) {
    return {
      start: `${y}-${m}-01`,
      end: `${y}-${m}-${String(daysInMonth(year, Number(m))).padStart(2, '0')}`,
    };
  }
  return { start: value, end: value };
}
