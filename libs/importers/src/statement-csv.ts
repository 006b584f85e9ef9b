import {
  canonicalId,
  canonicalJson,
  type Attribution,
  type StatementInput,
  type StatementKind,
} from '#domain';
import { readCsvRecords } from './csv-parser.js';
import { DEFAULT_READER_LIMITS, type ReaderLimits } from './text-source.js';
import { uuidV5 } from './ids.js';
import { ImportFormatError, READ_ONLY_FIELDS, reject, type SourceRecord } from './records.js';

/**
 * The columns of a statement CSV file (RFC 4180, a header row naming the columns, any order). Empty cells are
 * absent values. List columns hold their items separated by `;`. The `sources.*` columns are parallel lists:
 * the i-th item of each makes the i-th source (`sources.url` is required, the others may be shorter or empty).
 */
export const STATEMENT_CSV_COLUMNS = [
  'id',
  'occurredOn',
  'speaker.name',
  'speaker.role',
  'speaker.country',
  'speaker.organization',
  'speakerCountry',
  'targets',
  'mentions',
  'topics',
  'kind',
  'cameoCode',
  'text',
  'attribution',
  'language',
  'location.city',
  'location.country',
  'sources.url',
  'sources.outlet',
  'sources.publishedAt',
  'sources.via',
] as const;

export type StatementCsvColumn = (typeof STATEMENT_CSV_COLUMNS)[number];

/** Columns a header must have. */
export const REQUIRED_CSV_COLUMNS: readonly StatementCsvColumn[] = [
  'occurredOn',
  'speaker.name',
  'text',
  'attribution',
  'sources.url',
];

const KNOWN: ReadonlySet<string> = new Set(STATEMENT_CSV_COLUMNS);

/** Items of a `;`-separated list cell, trimmed, empty items dropped. */
export const splitList = (cell: string | undefined): string[] =>
  cell === undefined
    ? []
    : cell
        .split(';')
        .map((item) => item.trim())
        .filter((item) => item !== '');

/**
 * Statements from a CSV file with the columns of `STATEMENT_CSV_COLUMNS`. The computed columns of an export
 * (`goldstein`, `status`, ...) are ignored; any other unknown column, a repeated column or a missing required
 * one means the file is not a statement CSV (ImportFormatError). A row with another number of cells than the
 * header is a rejection. Without an `id`, the id is a UUID v5 of the row's content.
 */
export async function* readStatementCsv(
  chunks: AsyncIterable<string>,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): AsyncIterable<SourceRecord> {
  let header: (StatementCsvColumn | undefined)[] | undefined;
  for await (const record of readCsvRecords(chunks, ',', limits)) {
    if (header === undefined) {
      if (record.error !== undefined)
        throw new ImportFormatError('CSV', `header (line ${record.line}): ${record.error}`);
      header = parseHeader(record.fields);
      continue;
    }
    if (record.error !== undefined) {
      yield reject(record.line, 'row', record.error);
      continue;
    }
    if (record.fields.length !== header.length) {
      yield reject(
        record.line,
        'row',
        `has ${record.fields.length} cells, the header has ${header.length} columns`,
      );
      continue;
    }
    const row = new Map<StatementCsvColumn, string>();
    header.forEach((column, i) => {
      const cell = record.fields[i].trim();
      if (column !== undefined && cell !== '') row.set(column, cell);
    });
    yield csvRowRecord(row, record.line);
  }
  if (header === undefined) throw new ImportFormatError('CSV', 'the file is empty: a header row is required');
}

function parseHeader(fields: string[]): (StatementCsvColumn | undefined)[] {
  const seen = new Set<string>();
  const columns = fields.map((raw, i) => {
    const name = raw.trim();
    if (seen.has(name)) throw new ImportFormatError('CSV', `header column ${i + 1}: "${name}" appears twice`);
    seen.add(name);
    if (KNOWN.has(name)) return name as StatementCsvColumn;
    if (READ_ONLY_FIELDS.has(name)) return undefined;
    throw new ImportFormatError(
      'CSV',
      `header column ${i + 1}: "${name}" is not a statement column (expected some of: ${STATEMENT_CSV_COLUMNS.join(', ')})`,
    );
  });
  const missing = REQUIRED_CSV_COLUMNS.filter((column) => !seen.has(column));
  if (missing.length > 0)
    throw new ImportFormatError('CSV', `the header lacks required column(s) ${missing.join(', ')}`);
  return columns;
}

/** A CSV row (column -> non-empty cell) as a source record. */
export function csvRowRecord(row: ReadonlyMap<StatementCsvColumn, string>, line: number): SourceRecord {
  const cell = (column: StatementCsvColumn): string | undefined => row.get(column);
  const urls = splitList(cell('sources.url'));
  const outlets = (cell('sources.outlet') ?? '').split(';');
  const published = (cell('sources.publishedAt') ?? '').split(';');
  const vias = (cell('sources.via') ?? '').split(';');
  for (const [column, list] of [
    ['sources.outlet', outlets],
    ['sources.publishedAt', published],
    ['sources.via', vias],
  ] as const) {
    if (list.length > Math.max(urls.length, 1)) {
      return reject(line, column, `has ${list.length} items but sources.url has ${urls.length}`);
    }
  }
  const item = (list: string[], i: number): string | undefined => {
    const value = list[i]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const speakerCity = cell('location.city');
  const locationCountry = cell('location.country');
  const input: StatementInput = {
    occurredOn: cell('occurredOn') ?? '',
    speaker: {
      name: cell('speaker.name') ?? '',
      role: cell('speaker.role'),
      country: cell('speaker.country'),
      organization: cell('speaker.organization'),
    },
    speakerCountry: cell('speakerCountry'),
    targets: splitList(cell('targets')),
    mentions: splitList(cell('mentions')),
    topics: splitList(cell('topics')),
    kind: cell('kind') as StatementKind | undefined,
    cameoCode: cell('cameoCode'),
    text: cell('text') ?? '',
    attribution: cell('attribution') as Attribution,
    language: cell('language'),
    location:
      speakerCity === undefined && locationCountry === undefined
        ? undefined
        : { city: speakerCity, country: locationCountry },
    sources: urls.map((url, i) => ({
      url,
      outlet: item(outlets, i),
      publishedAt: item(published, i),
      via: item(vias, i),
    })),
  };
  const given = cell('id');
  const id =
    given === undefined ? uuidV5(`csv:${canonicalJson(Object.fromEntries(row))}`) : canonicalId(given);
  return { kind: 'statement', line, id, input: dropUndefined(input) };
}

/** The input without undefined members, so the derived id and the canonical content do not depend on them. */
function dropUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
