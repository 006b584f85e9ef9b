import type { StatementInput } from '#domain';
import { cameoCodebook, countryResolver } from '#reference';
import { recordId } from './ids.js';
import {
  ImportFormatError,
  SKIP_NOT_VERBAL,
  SKIP_NO_COUNTRY,
  VERBAL_ROOTS,
  reject,
  skip,
  type SourceRecord,
} from './records.js';
import { DEFAULT_READER_LIMITS, readLines, type ReaderLimits } from './text-source.js';

/** The ICEWS columns the importer reads; the header must name them (other columns are ignored). */
export const ICEWS_REQUIRED_COLUMNS = [
  'Event ID',
  'Event Date',
  'Source Name',
  'Source Sectors',
  'Source Country',
  'Event Text',
  'CAMEO Code',
  'Target Name',
  'Target Country',
  'Story ID',
  'Sentence Number',
  'Publisher',
] as const;
/** A column the importer reads: the required ones, and `City` and `Country` (where it happened) when present. */
type IcewsColumn = (typeof ICEWS_REQUIRED_COLUMNS)[number] | 'City' | 'Country';

/** The ICEWS Coded Event Data set (Harvard Dataverse), cited as every imported record's source. */
export const ICEWS_DATASET_URL = 'https://doi.org/10.7910/DVN/28075';

/** The longest `speaker.organization` the domain accepts. */
const MAX_SHORT_TEXT = 200;

/**
 * ICEWS coded event files: tab-separated, a header row. ICEWS writes "NA" for an empty cell. Each row becomes
 * a statement, or is skipped:
 *
 * - `CAMEO Code` whose root is not verbal (01–05, 10–14): skipped, "not a verbal event";
 * - `Source Country` (speaker country) and `Target Country` (target) are English names resolved through the
 *   country alias table; an empty one ("NA") is no country, a name that does not resolve is a rejection naming
 *   the column; neither country: skipped, "no country";
 * - speaker = `Source Name` with `Source Sectors` as organization; `cameoCode` = `CAMEO Code`; `occurredOn` =
 *   `Event Date`; location = `City` and `Country`; attribution `SUMMARY`; text from source name, event text
 *   and target name; the source is the ICEWS data set with the publisher as outlet and the story id and
 *   sentence number as provenance in the URL's fragment; id = UUID v5 of `icews:<Event ID>`.
 */
export async function* readIcews(
  chunks: AsyncIterable<string>,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): AsyncIterable<SourceRecord> {
  let index: Map<IcewsColumn, number> | undefined;
  let width = 0;
  for await (const { text, number } of readLines(chunks, limits)) {
    if (text.trim() === '') continue;
    const cells = text.split('\t');
    if (index === undefined) {
      index = parseHeader(cells, number);
      width = cells.length;
      continue;
    }
    if (cells.length !== width) {
      yield reject(
        number,
        'line',
        `has ${cells.length} tab-separated cells, the header has ${width} columns`,
      );
      continue;
    }
    const columns = index;
    yield icewsRecord((name) => {
      const at = columns.get(name);
      const value = at === undefined ? '' : cells[at].trim();
      return value === 'NA' ? '' : value;
    }, number);
  }
  if (index === undefined)
    throw new ImportFormatError('ICEWS', 'the file is empty: a header row is required');
}

function parseHeader(cells: string[], line: number): Map<IcewsColumn, number> {
  const index = new Map<IcewsColumn, number>();
  cells.forEach((cell, i) => {
    const name = cell.trim() as IcewsColumn;
    if (!index.has(name)) index.set(name, i);
  });
  const missing = ICEWS_REQUIRED_COLUMNS.filter((name) => !index.has(name));
  if (missing.length > 0) {
    throw new ImportFormatError('ICEWS', `the header (line ${line}) lacks column(s) ${missing.join(', ')}`);
  }
  return index;
}

/** One ICEWS row as a source record; `cell` returns a column's value with "NA" as empty. */
export function icewsRecord(cell: (name: IcewsColumn) => string, line: number): SourceRecord {
  const eventId = cell('Event ID');
  if (eventId === '') return reject(line, 'Event ID', 'is required');
  const code = cell('CAMEO Code');
  if (!VERBAL_ROOTS.has(code.slice(0, 2))) return skip(line, SKIP_NOT_VERBAL);

  const countries: (string | undefined)[] = [];
  for (const column of ['Source Country', 'Target Country'] as const) {
    const name = cell(column);
    if (name === '') {
      countries.push(undefined);
      continue;
    }
    const alpha2 = countryResolver.resolve(name);
    if (alpha2 === undefined)
      return reject(line, column, `"${name}" is not a country name this service knows`);
    countries.push(alpha2);
  }
  const [speakerCountry, target] = countries;
  if (speakerCountry === undefined && target === undefined) return skip(line, SKIP_NO_COUNTRY);

  const sourceName = cell('Source Name') || 'Unidentified actor';
  const targetName = cell('Target Name');
  const action = cell('Event Text') || cameoCodebook.lookup(code)?.name || `CAMEO event ${code}`;
  const organization = shorten(
    cell('Source Sectors')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .join(', '),
  );
  const locationCountry = cell('Country') === '' ? undefined : countryResolver.resolve(cell('Country'));
  const city = cell('City');
  const story = cell('Story ID');
  const sentence = cell('Sentence Number');
  const provenance = new URLSearchParams({ event: eventId, story, sentence }).toString();

  const input: StatementInput = {
    occurredOn: cell('Event Date'),
    speaker: {
      name: sourceName,
      ...(speakerCountry === undefined ? {} : { country: speakerCountry }),
      ...(organization === '' ? {} : { organization }),
    },
    targets: target === undefined ? [] : [target],
    cameoCode: code,
    text: targetName === '' ? `${sourceName} — ${action}` : `${sourceName} — ${action} — ${targetName}`,
    attribution: 'SUMMARY',
    sources: [
      {
        url: `${ICEWS_DATASET_URL}#${provenance}`,
        ...(cell('Publisher') === '' ? {} : { outlet: cell('Publisher') }),
        via: 'ICEWS',
      },
    ],
  };
  if (speakerCountry !== undefined) input.speakerCountry = speakerCountry;
  if (city !== '' || locationCountry !== undefined) {
    input.location = {
      ...(city === '' ? {} : { city }),
      ...(locationCountry === undefined ? {} : { country: locationCountry }),
    };
  }
  return { kind: 'statement', line, id: recordId('icews', eventId), input };
}

/** Sectors joined with ", ", cut after the last whole sector that fits the domain's short-text limit. */
function shorten(text: string): string {
  if (text.length <= MAX_SHORT_TEXT) return text;
  const cut = text.lastIndexOf(', ', MAX_SHORT_TEXT - 1);
  return cut > 0 ? text.slice(0, cut) : text.slice(0, MAX_SHORT_TEXT);
}
