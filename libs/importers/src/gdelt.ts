import { createHash } from 'node:crypto';
import type { StatementInput } from '#domain';
import { alpha3To2, cameoCodebook, isAlpha3Country } from '#reference';
import { recordId } from './ids.js';
import {
  ImportFormatError,
  SKIP_GDELT_DUPLICATE,
  SKIP_NOT_VERBAL,
  SKIP_NO_COUNTRY,
  VERBAL_ROOTS,
  reject,
  skip,
  type SourceRecord,
} from './records.js';
import { DEFAULT_READER_LIMITS, readLines, type ReaderLimits } from './text-source.js';

/** The 61 columns of a GDELT 2.0 events export, in order (the files have no header row). */
export const GDELT_COLUMNS = [
  'GLOBALEVENTID', 'SQLDATE', 'MonthYear', 'Year', 'FractionDate',
  'Actor1Code', 'Actor1Name', 'Actor1CountryCode', 'Actor1KnownGroupCode', 'Actor1EthnicCode',
  'Actor1Religion1Code', 'Actor1Religion2Code', 'Actor1Type1Code', 'Actor1Type2Code', 'Actor1Type3Code',
  'Actor2Code', 'Actor2Name', 'Actor2CountryCode', 'Actor2KnownGroupCode', 'Actor2EthnicCode',
  'Actor2Religion1Code', 'Actor2Religion2Code', 'Actor2Type1Code', 'Actor2Type2Code', 'Actor2Type3Code',
  'IsRootEvent', 'EventCode', 'EventBaseCode', 'EventRootCode', 'QuadClass',
  'GoldsteinScale', 'NumMentions', 'NumSources', 'NumArticles', 'AvgTone',
  'Actor1Geo_Type', 'Actor1Geo_FullName', 'Actor1Geo_CountryCode', 'Actor1Geo_ADM1Code', 'Actor1Geo_ADM2Code',
  'Actor1Geo_Lat', 'Actor1Geo_Long', 'Actor1Geo_FeatureID', 'Actor2Geo_Type', 'Actor2Geo_FullName',
  'Actor2Geo_CountryCode', 'Actor2Geo_ADM1Code', 'Actor2Geo_ADM2Code', 'Actor2Geo_Lat', 'Actor2Geo_Long',
  'Actor2Geo_FeatureID', 'ActionGeo_Type', 'ActionGeo_FullName', 'ActionGeo_CountryCode', 'ActionGeo_ADM1Code',
  'ActionGeo_ADM2Code', 'ActionGeo_Lat', 'ActionGeo_Long', 'ActionGeo_FeatureID', 'DATEADDED',
  'SOURCEURL',
] as const; // prettier-ignore

type GdeltColumn = (typeof GDELT_COLUMNS)[number];
const INDEX = new Map<GdeltColumn, number>(GDELT_COLUMNS.map((name, i) => [name, i]));

/**
 * GDELT 2.0 events export: 61 tab-separated columns, no header. Each row becomes a statement, or is skipped:
 *
 * - `EventRootCode` not a verbal root (01–05, 10–14): skipped, "not a verbal event";
 * - `Actor1CountryCode` is the speaker country and `Actor2CountryCode` the target, each only when it is a
 *   country's alpha-3 code (CAMEO regions such as EUR or AFR are not countries); neither: skipped, "no country";
 * - `occurredOn` = `SQLDATE`, `cameoCode` = `EventCode` (so `kind` and `goldstein` come from the CAMEO codebook;
 *   GDELT's `GoldsteinScale` is the same codebook value), speaker = `Actor1Name` (else `Actor1Code`, else
 *   "Unidentified actor"), source = `SOURCEURL` published at `DATEADDED`, via "GDELT", attribution `SUMMARY`,
 *   text from the actor names and the CAMEO event name; id = UUID v5 of `gdelt:<GLOBALEVENTID>`.
 *
 * - a row that repeats an earlier kept row's date, actors, event code and source URL (`gdeltFoldKey`): skipped,
 *   "duplicate GDELT row (...)": it is folded into the statement of the first such row.
 *
 * The first row with another column count than 61 means the file is not a GDELT export; later ones are
 * rejections.
 */
export async function* readGdelt(
  chunks: AsyncIterable<string>,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): AsyncIterable<SourceRecord> {
  let seenRecord = false;
  // fold keys of the statements read so far (a SHA-256 each, so memory stays small per kept row)
  const seen = new Set<string>();
  for await (const { text, number } of readLines(chunks, limits)) {
    if (text.trim() === '') continue;
    const cells = text.split('\t');
    if (cells.length !== GDELT_COLUMNS.length) {
      const reason = `has ${cells.length} tab-separated columns, a GDELT 2.0 events export has ${GDELT_COLUMNS.length}`;
      if (!seenRecord) throw new ImportFormatError('GDELT', `line ${number} ${reason}`);
      yield reject(number, 'line', reason);
      continue;
    }
    seenRecord = true;
    const record = gdeltRecord(cells, number);
    if (record.kind === 'statement') {
      const key = gdeltFoldKey(cells);
      if (seen.has(key)) {
        yield skip(number, SKIP_GDELT_DUPLICATE);
        continue;
      }
      seen.add(key);
    }
    yield record;
  }
}

/** One GDELT row (61 cells) as a source record. */
export function gdeltRecord(cells: readonly string[], line: number): SourceRecord {
  const cell = (name: GdeltColumn): string => (cells[INDEX.get(name) as number] ?? '').trim();
  const eventId = cell('GLOBALEVENTID');
  if (!/^\d+$/.test(eventId)) return reject(line, 'GLOBALEVENTID', `must be a number, got "${eventId}"`);
  if (!VERBAL_ROOTS.has(cell('EventRootCode'))) return skip(line, SKIP_NOT_VERBAL);
  const speakerCountry = countryOf(cell('Actor1CountryCode'));
  const target = countryOf(cell('Actor2CountryCode'));
  if (speakerCountry === undefined && target === undefined) return skip(line, SKIP_NO_COUNTRY);

  const occurredOn = gdeltDate(cell('SQLDATE'));
  if (occurredOn === undefined)
    return reject(line, 'SQLDATE', `must be a date YYYYMMDD, got "${cell('SQLDATE')}"`);
  const added = cell('DATEADDED');
  const publishedAt = gdeltTimestamp(added);
  if (publishedAt === undefined)
    return reject(line, 'DATEADDED', `must be a time YYYYMMDDHHMMSS, got "${added}"`);
  const url = cell('SOURCEURL');

  const eventCode = cell('EventCode');
  const actor1 = cell('Actor1Name') || cell('Actor1Code') || 'Unidentified actor';
  const actor2 = cell('Actor2Name') || cell('Actor2Code');
  const action = cameoCodebook.lookup(eventCode)?.name ?? `CAMEO event ${eventCode}`;
  const input: StatementInput = {
    occurredOn,
    speaker: speakerCountry === undefined ? { name: actor1 } : { name: actor1, country: speakerCountry },
    targets: target === undefined ? [] : [target],
    cameoCode: eventCode,
    text: actor2 === '' ? `${actor1} — ${action}` : `${actor1} — ${action} — ${actor2}`,
    attribution: 'SUMMARY',
    sources: [{ url, ...outletOf(url), publishedAt, via: 'GDELT' }],
  };
  if (speakerCountry !== undefined) input.speakerCountry = speakerCountry;
  return { kind: 'statement', line, id: recordId('gdelt', eventId), input };
}

/**
 * The fold rule of GDELT rows (DESIGN §11.23): rows with the same `SQLDATE`, actors (`Actor1Code`,
 * `Actor1Name`, `Actor1CountryCode` and the same of `Actor2`), `EventCode` and `SOURCEURL` are one statement.
 */
export function gdeltFoldKey(cells: readonly string[]): string {
  const cell = (name: GdeltColumn): string => (cells[INDEX.get(name) as number] ?? '').trim();
  const parts = [
    'SQLDATE',
    'Actor1Code',
    'Actor1Name',
    'Actor1CountryCode',
    'Actor2Code',
    'Actor2Name',
    'Actor2CountryCode',
    'EventCode',
    'SOURCEURL',
  ] as const;
  return createHash('sha256')
    .update(JSON.stringify(parts.map(cell)))
    .digest('base64');
}

/** Alpha-2 for a country's alpha-3 code; undefined for an empty cell or a CAMEO region (EUR, AFR, ...). */
function countryOf(code: string): string | undefined {
  return code !== '' && isAlpha3Country(code) ? alpha3To2(code) : undefined;
}

/** `YYYYMMDD` as `YYYY-MM-DD` (the domain checks that it is a real date). */
function gdeltDate(value: string): string | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

/** `YYYYMMDDHHMMSS` (UTC) as an ISO-8601 instant. */
function gdeltTimestamp(value: string): string | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z` : undefined;
}

/** The outlet as the URL's host name without `www.`, when the URL parses. */
function outletOf(url: string): { outlet?: string } {
  try {
    const host = new URL(url).hostname.replace(/^www\./, '');
    return host === '' ? {} : { outlet: host };
  } catch {
    return {};
  }
}
