import type { StatementKind } from '#domain';
import type { ReadModel } from './read-model.js';
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

const KIND_LABELS: Record<StatementKind, string> = {
  STATEMENT: 'Statement',
  APPEAL: 'Appeal',
  INTENT_TO_COOPERATE: 'Intent to cooperate',
  CONSULT: 'Consultation',
  DIPLOMATIC_COOPERATION: 'Diplomatic cooperation',
  DEMAND: 'Demand',
  DISAPPROVE: 'Disapproval',
  REJECT: 'Rejection',
  THREATEN: 'Threat',
  PROTEST: 'Protest',
  OTHER: 'Other',
};

const ATTRIBUTION_LABELS: Record<StatementView['attribution'], string> = {
  DIRECT_QUOTE: 'Direct quote',
  PARAPHRASE: 'Paraphrase',
  READOUT: 'Official readout',
  SUMMARY: 'Summary',
};

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

/**
 * The names a headline uses, as a port: the apps pass the reference data's (`headlineNames` of `#reference`);
 * without them a headline falls back to country codes and the kind's verb phrase.
 */
export interface HeadlineNames {
  /** English short name of an alpha-2 code */
  country(alpha2: string): string | undefined;
  /** the CAMEO codebook's event name of a code (`022` -> "Appeal for diplomatic cooperation ...") */
  cameo(code: string): string | undefined;
}

const CODES_ONLY: HeadlineNames = { country: () => undefined, cameo: () => undefined };

/** What a statement of each kind does, when its CAMEO name says no more (or there is no code). */
const KIND_PHRASES: Record<StatementKind, string> = {
  STATEMENT: 'makes a statement',
  APPEAL: 'makes an appeal',
  INTENT_TO_COOPERATE: 'expresses intent to cooperate',
  CONSULT: 'consults',
  DIPLOMATIC_COOPERATION: 'engages in diplomatic cooperation',
  DEMAND: 'makes a demand',
  DISAPPROVE: 'disapproves',
  REJECT: 'rejects',
  THREATEN: 'threatens',
  PROTEST: 'protests',
  OTHER: 'makes a statement',
};

/** CAMEO names that are bare nouns or read badly turned into the third person. */
const PHRASE_OVERRIDES: Readonly<Record<string, string>> = {
  '01': 'makes a public statement',
  '010': 'makes a statement',
  '02': 'makes an appeal',
  '020': 'makes an appeal',
  '10': 'makes a demand',
  '100': 'makes a demand',
  '14': 'protests',
  '140': 'protests',
};

/** The third person singular of an English verb (`make` -> `makes`, `express` -> `expresses`, `deny` -> `denies`). */
function thirdPerson(verb: string): string {
  if (/(s|sh|ch|x|z|o)$/.test(verb)) return `${verb}es`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ies`;
  return `${verb}s`;
}

/**
 * A verb phrase from a CAMEO event name, which the codebook writes in the imperative ("Make pessimistic
 * comment", "Appeal for economic aid", "Express intent to meet or negotiate"): the first word in the third
 * person, the rest lower case, the codebook's "not specified below" dropped.
 */
export function verbPhraseOf(cameoName: string): string {
  const words = cameoName
    .replace(/,?\s*not specified below/i, '')
    .trim()
    .split(/\s+/);
  const [first = '', ...rest] = words;
  // "Return, release" names two verbs
  const verb = first.endsWith(',')
    ? `${thirdPerson(first.slice(0, -1).toLowerCase())},`
    : thirdPerson(first.toLowerCase());
  const lower = rest.map((w) => (/^[A-Z]{2,}$/.test(w) ? w : w.toLowerCase()));
  if (verb.endsWith(',') && lower[0] !== undefined) lower[0] = thirdPerson(lower[0]);
  // "Criticize or denounce": two verbs
  else if (lower[0] === 'or' && lower[1] !== undefined) lower[1] = thirdPerson(lower[1]);
  return [verb, ...lower].join(' ');
}

/** The verb phrase of a statement: its CAMEO code's (see `verbPhraseOf`), else its kind's. */
export function actionOf(statement: StatementView, names: HeadlineNames = CODES_ONLY): string {
  const code = statement.cameoCode;
  if (code !== undefined) {
    const override = PHRASE_OVERRIDES[code];
    if (override !== undefined) return override;
    const name = names.cameo(code);
    if (name !== undefined) return verbPhraseOf(name);
  }
  return KIND_PHRASES[statement.kind];
}

/**
 * "United States → Malta: makes an appeal": the speaker country's name (the speaker's name when there is no
 * country), the targets' names, and a verb phrase. The speaker's own label (a GDELT actor such as
 * "UNIVERSITY") stays in the detail (`htmlTextOf`), where it is said who spoke.
 */
export function headlineOf(statement: StatementView, names: HeadlineNames = CODES_ONLY): string {
  const country = (code: string): string => names.country(code) ?? code;
  const who = statement.speakerCountry ? country(statement.speakerCountry) : statement.speaker.name;
  const to = statement.targets.length > 0 ? ` → ${statement.targets.map(country).join(', ')}` : '';
  return `${who}${to}: ${actionOf(statement, names)}`;
}

/**
 * The headline as TimelineJS and its spreadsheet template take it: HTML, so the speaker's name is escaped (a
 * name holding markup shows as text).
 */
export function headlineHtmlOf(statement: StatementView, names: HeadlineNames = CODES_ONLY): string {
  return escapeHtml(headlineOf(statement, names));
}

/** TimelineJS's group (a row of its own per group): the kind, at most 11 on any data set. */
export function groupOf(statement: StatementView): string {
  return KIND_LABELS[statement.kind];
}

/** The statement as HTML: the words (a quote as a blockquote), who said it, the attribution, sources as links. */
export function htmlTextOf(statement: StatementView): string {
  const words =
    statement.attribution === 'DIRECT_QUOTE'
      ? `<blockquote>${escapeHtml(statement.text)}</blockquote>`
      : `<p>${escapeHtml(statement.text)}</p>`;
  const speaker = [statement.speaker.name, statement.speaker.role, statement.speaker.organization]
    .filter((part) => part !== undefined && part !== '')
    .join(', ');
  const attribution = `<p><em>${escapeHtml(ATTRIBUTION_LABELS[statement.attribution])}</em> · ${escapeHtml(speaker)}${
    statement.status === 'RETRACTED' ? ' · <strong>retracted</strong>' : ''
  }</p>`;
  const sources = statement.sources
    .map((source) => {
      const label = escapeHtml(source.outlet ?? source.url);
      const via = source.via ? ` (via ${escapeHtml(source.via)})` : '';
      return /^https?:\/\//i.test(source.url)
        ? `<a href="${escapeHtml(source.url)}" rel="noopener noreferrer">${label}</a>${via}`
        : `${label}${via}`;
    })
    .join(' · ');
  const responds =
    statement.respondsTo.length === 0
      ? ''
      : `<p>Responds to: ${statement.respondsTo
          .map((id) => `<a href="#event-statement-${escapeHtml(id)}">statement ${escapeHtml(id)}</a>`)
          .join(', ')}</p>`;
  return `${words}${attribution}<p>Sources: ${sources}</p>${responds}`;
}

/** Text for HTML element content or a quoted attribute value: `&`, `<`, `>`, `"` and `'` as entities. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
