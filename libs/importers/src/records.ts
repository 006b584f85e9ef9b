import type { StatementInput } from '#domain';

/**
 * What a format reader makes of one record of its file: a statement to record, a record it skips on purpose
 * (with the reason, e.g. "not a verbal event"), or a record it cannot read (the field and the rule it breaks).
 * `line` is the 1-based line where the record starts.
 */
export type SourceRecord =
  | {
      kind: 'statement';
      line: number;
      id: string;
      input: StatementInput;
      /** ids of the statements this one responds to (an NDJSON export's `respondsTo`), linked when it is recorded */
      respondsTo?: string[];
    }
  | { kind: 'skip'; line: number; reason: string }
  | { kind: 'reject'; line: number; field: string; reason: string };

/**
 * The file is not in the format it was said to be in (a GDELT line with the wrong column count, a CSV
 * header naming unknown columns, ...): the import stops and nothing of it is stored.
 */
export class ImportFormatError extends Error {
  constructor(
    readonly format: string,
    message: string,
  ) {
    super(`not a valid ${format} file: ${message}`);
    this.name = 'ImportFormatError';
  }
}

/**
 * Fields of an exported statement that are computed, not input: re-imports ignore them (NDJSON reads
 * `respondsTo` itself, to link the statements again).
 */
export const READ_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'goldstein',
  'status',
  'version',
  'recordedAt',
  'updatedAt',
  'respondsTo',
  'responses',
  'history',
]);

export const reject = (line: number, field: string, reason: string): SourceRecord => ({
  kind: 'reject',
  line,
  field,
  reason,
});

export const skip = (line: number, reason: string): SourceRecord => ({ kind: 'skip', line, reason });

/** The CAMEO roots that are verbal events (DESIGN §4 kinds): everything else is skipped by event importers. */
export const VERBAL_ROOTS: ReadonlySet<string> = new Set([
  '01',
  '02',
  '03',
  '04',
  '05',
  '10',
  '11',
  '12',
  '13',
  '14',
]);

export const SKIP_NOT_VERBAL = 'not a verbal event';
export const SKIP_NO_COUNTRY = 'no country';
/**
 * A GDELT row with the date, actors (codes, names, countries), event code and source URL of an earlier row of
 * the file: GDELT's event ids differ, but it is the same statement from the same article, folded into the
 * statement of the first such row (whose id is UUID v5 of `gdelt:<its GLOBALEVENTID>`).
 */
export const SKIP_GDELT_DUPLICATE = 'duplicate GDELT row (same date, actors, event code and source URL)';
