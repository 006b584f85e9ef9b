/**
 * The statement model: what one diplomatic statement records, after validation and normalisation.
 * Country codes here are always ISO 3166-1 alpha-2, dates are partial dates (`YYYY`, `YYYY-MM`,
 * `YYYY-MM-DD`), topics are lower-case kebab slugs.
 */

export const STATEMENT_KINDS = [
  'STATEMENT',
  'APPEAL',
  'INTENT_TO_COOPERATE',
  'CONSULT',
  'DIPLOMATIC_COOPERATION',
  'DEMAND',
  'DISAPPROVE',
  'REJECT',
  'THREATEN',
  'PROTEST',
  'OTHER',
] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export const ATTRIBUTIONS = ['DIRECT_QUOTE', 'PARAPHRASE', 'READOUT', 'SUMMARY'] as const;
export type Attribution = (typeof ATTRIBUTIONS)[number];

export const STATEMENT_STATUSES = ['ACTIVE', 'RETRACTED'] as const;
export type StatementStatus = (typeof STATEMENT_STATUSES)[number];

export const COUNTRY_ROLES = ['SPEAKER', 'TARGET', 'MENTIONED'] as const;
export type CountryRole = (typeof COUNTRY_ROLES)[number];

export interface Speaker {
  name: string;
  role?: string;
  /** alpha-2 */
  country?: string;
  organization?: string;
}

export interface Place {
  city?: string;
  /** alpha-2 */
  country?: string;
}

export interface Source {
  url: string;
  outlet?: string;
  /** ISO-8601 instant */
  publishedAt?: string;
  via?: string;
}

/** Every field of a statement except its id: what a correction may change. */
export interface StatementFields {
  occurredOn: string;
  speaker: Speaker;
  /** alpha-2; the country whose position the statement states */
  speakerCountry?: string;
  targets: string[];
  mentions: string[];
  topics: string[];
  kind: StatementKind;
  cameoCode?: string;
  goldstein?: number;
  text: string;
  attribution: Attribution;
  language?: string;
  location?: Place;
  sources: Source[];
}

export interface Statement extends StatementFields {
  id: string;
}

/** `statement-<id>`: one stream per statement. */
export const statementStream = (id: string): string => `statement-${id}`;
export const STATEMENT_STREAM_PREFIX = 'statement-';
export const statementIdOf = (stream: string): string | undefined =>
  stream.startsWith(STATEMENT_STREAM_PREFIX) ? stream.slice(STATEMENT_STREAM_PREFIX.length) : undefined;
