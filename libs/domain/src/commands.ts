import type { Attribution, StatementKind } from './statement.js';

/**
 * Commands carry the caller's input as given: countries may be alpha-2, alpha-3 or English names, dates are
 * strings. `decide` validates and normalises them; events only ever hold normalised values.
 */
export interface SpeakerInput {
  name: string;
  role?: string | null;
  country?: string | null;
  organization?: string | null;
}

export interface PlaceInput {
  city?: string | null;
  country?: string | null;
}

export interface SourceInput {
  url: string;
  outlet?: string | null;
  publishedAt?: string | null;
  via?: string | null;
}

export interface StatementInput {
  occurredOn: string;
  speaker: SpeakerInput;
  speakerCountry?: string | null;
  targets?: string[] | null;
  mentions?: string[] | null;
  topics?: string[] | null;
  kind?: StatementKind | null;
  cameoCode?: string | null;
  text: string;
  attribution: Attribution;
  language?: string | null;
  location?: PlaceInput | null;
  sources: SourceInput[];
}

export type RecordStatement = { type: 'RecordStatement'; id: string; input: StatementInput };
export type CorrectStatement = {
  type: 'CorrectStatement';
  id: string;
  changes: Partial<StatementInput>;
  reason: string;
};
export type AddStatementSource = { type: 'AddStatementSource'; id: string; source: SourceInput };
export type TagStatement = { type: 'TagStatement'; id: string; topics: string[] };
export type UntagStatement = { type: 'UntagStatement'; id: string; topics: string[] };
export type LinkResponse = { type: 'LinkResponse'; id: string; respondsTo: string };
export type RetractStatement = { type: 'RetractStatement'; id: string; reason: string };
export type RestoreStatement = { type: 'RestoreStatement'; id: string; reason: string };

export type StatementCommand =
  | RecordStatement
  | CorrectStatement
  | AddStatementSource
  | TagStatement
  | UntagStatement
  | LinkResponse
  | RetractStatement
  | RestoreStatement;
