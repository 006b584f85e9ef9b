import type { Source, Statement, StatementFields } from './statement.js';

/**
 * The events of one statement stream, a discriminated union on `type`. Event data is plain JSON: it is
 * what the store keeps and what projections read back, so it carries no class instances and no Dates.
 */
export type StatementRecorded = { type: 'StatementRecorded'; data: Statement };
export type StatementCorrected = {
  type: 'StatementCorrected';
  data: { statementId: string; changes: Partial<StatementFields>; reason: string };
};
export type StatementSourceAdded = {
  type: 'StatementSourceAdded';
  data: { statementId: string; source: Source };
};
export type StatementTopicsTagged = {
  type: 'StatementTopicsTagged';
  data: { statementId: string; topics: string[] };
};
export type StatementTopicsUntagged = {
  type: 'StatementTopicsUntagged';
  data: { statementId: string; topics: string[] };
};
export type StatementResponseLinked = {
  type: 'StatementResponseLinked';
  data: { statementId: string; respondsTo: string };
};
export type StatementRetracted = {
  type: 'StatementRetracted';
  data: { statementId: string; reason: string };
};
export type StatementRestored = { type: 'StatementRestored'; data: { statementId: string; reason: string } };

export type StatementEvent =
  | StatementRecorded
  | StatementCorrected
  | StatementSourceAdded
  | StatementTopicsTagged
  | StatementTopicsUntagged
  | StatementResponseLinked
  | StatementRetracted
  | StatementRestored;

export type StatementEventType = StatementEvent['type'];

export const STATEMENT_EVENT_TYPES: readonly StatementEventType[] = [
  'StatementRecorded',
  'StatementCorrected',
  'StatementSourceAdded',
  'StatementTopicsTagged',
  'StatementTopicsUntagged',
  'StatementResponseLinked',
  'StatementRetracted',
  'StatementRestored',
];

/** The current schema version of every event type; upcasters lift older versions to it. */
export const CURRENT_SCHEMA_VERSION = 1;

/** Metadata of every stored event. `prevHash` and `hash` are set by the event store (hash chain). */
export interface EventMetadata {
  recordedAt: string;
  recordedBy: string;
  correlationId: string;
  causationId: string;
  schemaVersion: number;
  prevHash?: string | null;
  hash?: string;
}

/** Exhaustiveness check for switches over a union: a forgotten case is a compile error. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
