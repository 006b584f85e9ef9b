import type { Attribution, Place, Source, Statement, StatementKind } from './statement.js';

/**
 * `StatementRecorded` as it was stored before schema version 1 (schema version 0): the speaker's fields
 * flat on the statement, a single `source`, no `mentions`. In that shape `speakerCountry` was both the
 * speaker's own country and the country whose position the statement states.
 */
export interface StatementRecordedV0 {
  id: string;
  occurredOn: string;
  speakerName: string;
  speakerRole?: string;
  speakerCountry?: string;
  speakerOrganization?: string;
  targets: string[];
  topics: string[];
  kind: StatementKind;
  cameoCode?: string;
  goldstein?: number;
  text: string;
  attribution: Attribution;
  language?: string;
  location?: Place;
  source: Source;
}

/** Reads a schema-version-0 `StatementRecorded` as today's (version 1) shape. Pure; never fails on a v0 shape. */
export function upcastStatementRecordedV0(data: StatementRecordedV0): Statement {
  const { speakerName, speakerRole, speakerCountry, speakerOrganization, source, ...rest } = data;
  const speaker = dropUndefined({
    name: speakerName,
    role: speakerRole,
    country: speakerCountry,
    organization: speakerOrganization,
  }) as Statement['speaker'];
  return dropUndefined({
    ...rest,
    speaker,
    speakerCountry,
    mentions: [],
    sources: [source],
  }) as Statement;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
