import type { ReadModel } from './read-model.js';
import {
  CODES_ONLY,
  escapeHtml,
  groupOf,
  headlineHtmlOf,
  htmlTextOf,
  type HeadlineNames,
} from './statement-text.js';
import type { StatementView, TimelineFilter } from './types.js';

/**
 * A country's or a topic's timeline as CSV (the columns of TimelineJS's Google-spreadsheet template), as JSON
 * (statements in the shape `recordStatement` takes, so the file can be imported again) or as TimelineJS3 JSON.
 * Output comes in chunks, one page of the timeline (100 statements) at a time, so a large timeline is never
 * held in memory as one string; the REST endpoints and `communique export timeline` both stream these chunks.
 */

export const EXPORT_FORMATS = ['csv', 'json', 'timelinejs'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface TimelineExportRequest {
  timeline: 'country' | 'topic';
  /** alpha-2 code or topic slug */
  key: string;
  from?: string;
  to?: string;
  /** the timeline filter of that name (DESIGN §11.23): only statements involving another country, or none */
  involvesOtherCountry?: boolean;
}

const PAGE = 100;

export const TIMELINEJS_COLUMNS = [
  'Year',
  'Month',
  'Day',
  'Time',
  'End Year',
  'End Month',
  'End Day',
  'End Time',
  'Display Date',
  'Headline',
  'Text',
  'Media',
  'Media Credit',
  'Media Caption',
  'Media Thumbnail',
  'Type',
  'Group',
  'Background',
] as const;

/** The statements of a timeline in timeline order, fetched a page at a time. */
export function* timelineStatements(
  readModel: ReadModel,
  req: TimelineExportRequest,
): Generator<StatementView> {
  const filter: TimelineFilter = { from: req.from, to: req.to };
  if (req.involvesOtherCountry !== undefined) filter.involvesOtherCountry = req.involvesOtherCountry;
  let after: string | undefined;
  for (;;) {
    const request = { filter, first: PAGE, after, order: 'ASC' as const };
    const page =
      req.timeline === 'country'
        ? readModel.countryTimeline(req.key, request)
        : readModel.topicTimeline(req.key, request);
    for (const edge of page.edges) yield edge.node;
    if (!page.hasNextPage || page.endCursor === null) return;
    after = page.endCursor;
  }
}

/** The whole export as chunks of text. Validates the request (dates) before the first chunk. */
export function exportTimeline(
  readModel: ReadModel,
  req: TimelineExportRequest,
  format: ExportFormat,
  names: HeadlineNames = CODES_ONLY,
): Generator<string> {
  const statements = timelineStatements(readModel, req);
  // the first page is read now, so that a bad request throws here and not in the middle of a response
  const first = statements.next();
  const all = (function* (): Generator<StatementView> {
    if (first.done === true) return;
    yield first.value;
    yield* statements;
  })();
  switch (format) {
    case 'csv':
      return csvChunks(all, names);
    case 'json':
      return jsonChunks(req, all);
    case 'timelinejs':
      return timelineJsChunks(all, names);
  }
}

// ---- CSV

function* csvChunks(statements: Iterable<StatementView>, names: HeadlineNames): Generator<string> {
  yield csvRow(TIMELINEJS_COLUMNS);
  let lines: string[] = [];
  for (const statement of statements) {
    const [year, month, day] = statement.occurredOn.split('-');
    const row: Record<(typeof TIMELINEJS_COLUMNS)[number], string> = {
      Year: year ?? '',
      Month: month === undefined ? '' : String(Number(month)),
      Day: day === undefined ? '' : String(Number(day)),
      Time: '',
      'End Year': '',
      'End Month': '',
      'End Day': '',
      'End Time': '',
      'Display Date': '',
      Headline: headlineHtmlOf(statement, names),
      Text: htmlTextOf(statement),
      Media: '',
      'Media Credit': '',
      'Media Caption': '',
      'Media Thumbnail': '',
      Type: '',
      Group: escapeHtml(groupOf(statement)),
      Background: '',
    };
    lines.push(csvRow(TIMELINEJS_COLUMNS.map((column) => row[column])));
    if (lines.length === PAGE) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('');
}

/**
 * One RFC 4180 record with its CRLF. Every cell goes through `csvCell`: a cell that a spreadsheet would read as
 * a formula is neutralised, and cells holding a comma, quote, CR or LF are quoted, quotes doubled.
 */
export function csvRow(fields: readonly string[]): string {
  return `${fields.map(csvCell).join(',')}\r\n`;
}

/**
 * The characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a formula when it
 * starts with one (OWASP, "CSV Injection"): `=`, `+`, `-`, `@`, tab and carriage return, and their full-width
 * forms, which some spreadsheets also accept.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One cell of a CSV record. A cell starting with a formula character gets a leading `'` (OWASP's advice: the
 * spreadsheet then shows the text as it is, and the quote is not displayed), and such a cell is always quoted;
 * a cell holding a comma, quote, CR or LF is quoted with its quotes doubled.
 */
export function csvCell(field: string): string {
  const neutral = FORMULA_START.test(field) ? `'${field}` : field;
  return neutral !== field || /[",\r\n]/.test(neutral) ? `"${neutral.replaceAll('"', '""')}"` : neutral;
}

// ---- JSON (re-importable)

/** A statement in the `RecordStatementInput` shape, then the read-only fields an importer ignores. */
export function exportedStatement(view: StatementView): Record<string, unknown> {
  return {
    id: view.id,
    occurredOn: view.occurredOn,
    speaker: view.speaker,
    speakerCountry: view.speakerCountry,
    targets: view.targets,
    mentions: view.mentions,
    topics: view.topics,
    kind: view.kind,
    cameoCode: view.cameoCode,
    text: view.text,
    attribution: view.attribution,
    language: view.language,
    location: view.location,
    sources: view.sources,
    goldstein: view.goldstein,
    respondsTo: view.respondsTo,
    status: view.status,
    version: view.version,
    recordedAt: view.recordedAt,
    updatedAt: view.updatedAt,
  };
}

function* jsonChunks(req: TimelineExportRequest, statements: Iterable<StatementView>): Generator<string> {
  const head = { [req.timeline]: req.key, from: req.from ?? null, to: req.to ?? null };
  yield `${JSON.stringify(head).slice(0, -1)},"statements":[`;
  let separator = '\n';
  for (const statement of statements) {
    yield separator + JSON.stringify(exportedStatement(statement));
    separator = ',\n';
  }
  yield '\n]}\n';
}

// ---- TimelineJS3 JSON

export interface TimelineJsEvent {
  unique_id: string;
  start_date: { year: number; month?: number; day?: number };
  text: { headline: string; text: string };
  group?: string;
}

export function timelineJsEvent(
  statement: StatementView,
  names: HeadlineNames = CODES_ONLY,
): TimelineJsEvent {
  const [year, month, day] = statement.occurredOn.split('-').map(Number);
  const start: TimelineJsEvent['start_date'] = { year: year ?? 0 };
  if (month !== undefined) start.month = month;
  if (day !== undefined) start.day = day;
  return {
    unique_id: `statement-${statement.id}`,
    start_date: start,
    text: { headline: headlineHtmlOf(statement, names), text: htmlTextOf(statement) },
    group: escapeHtml(groupOf(statement)),
  };
}

function* timelineJsChunks(statements: Iterable<StatementView>, names: HeadlineNames): Generator<string> {
  yield '{"events":[';
  let separator = '\n';
  for (const statement of statements) {
    yield separator + JSON.stringify(timelineJsEvent(statement, names));
    separator = ',\n';
  }
  yield '\n]}\n';
}

// ---- shared wording
