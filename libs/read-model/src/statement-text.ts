import type { StatementKind } from '#domain';
import type { StatementView } from './types.js';

/*
 * A statement told for people, as the exports show it (timeline-export.ts): its headline (who, what, to whom),
 * its TimelineJS group, and its text as HTML with the attribution and the sources.
 */

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

export const CODES_ONLY: HeadlineNames = { country: () => undefined, cameo: () => undefined };

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
