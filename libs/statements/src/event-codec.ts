import {
  ATTRIBUTIONS,
  CURRENT_SCHEMA_VERSION,
  STATEMENT_KINDS,
  type EventMetadata,
  type Place,
  type Source,
  type Speaker,
  type Statement,
  type StatementEvent,
  type StatementFields,
} from '#domain';
import type { EventToAppend, JsonObject, SerializedEventData } from '#event-store';

/**
 * The one codec between the domain's statement events and the events the store keeps: `encode` turns a
 * decided event and its metadata into what the store appends; `decode` turns what the store hands back (plain
 * JSON, lifted to the current schema by the store's upcasters) into a typed `StatementEvent`, checking the
 * shape its `type` names instead of casting. The command path, the importer, the demo loader and the
 * projection all use it, so there is one place where stored JSON becomes a domain event.
 */

/** The metadata the application gives an event; the store adds `prevHash` and `hash`. */
export type EventEnvelope = Omit<EventMetadata, 'prevHash' | 'hash'>;

/** What the codec reads: a stored event's type and data (a `RecordedEvent` is one). */
export interface StoredStatementEvent {
  type: string;
  data: JsonObject;
}

/** A stored event whose type is a statement event but whose data is not that event's shape. */
export class MalformedStatementEventError extends TypeError {
  constructor(
    readonly eventType: string,
    readonly field: string,
  ) {
    super(`stored ${eventType} has no valid ${field}: it is not an event this service wrote`);
    this.name = 'MalformedStatementEventError';
  }
}

export function encodeStatementEvent(
  event: StatementEvent | { type: StatementEvent['type']; data: SerializedEventData },
  id: string,
  metadata: EventEnvelope,
): EventToAppend {
  return { id, type: event.type, data: event.data, metadata };
}

/**
 * The stored event as a statement event; undefined when its type is not a statement event's (another kind of
 * stream shares the log). Throws `MalformedStatementEventError` when the type is one but the data is not.
 */
export function decodeStatementEvent(stored: StoredStatementEvent): StatementEvent | undefined {
  const { type, data } = stored;
  switch (type) {
    case 'StatementRecorded':
      if (!isStatement(data)) throw new MalformedStatementEventError(type, 'statement');
      return { type, data };
    case 'StatementCorrected': {
      const { statementId, changes, reason } = data;
      if (!isChanges(changes)) throw new MalformedStatementEventError(type, 'changes');
      return {
        type,
        data: { statementId: idOf(type, statementId), changes, reason: text(type, 'reason', reason) },
      };
    }
    case 'StatementSourceAdded': {
      const { statementId, source } = data;
      if (!isSource(source)) throw new MalformedStatementEventError(type, 'source');
      return { type, data: { statementId: idOf(type, statementId), source } };
    }
    case 'StatementTopicsTagged':
    case 'StatementTopicsUntagged': {
      const { statementId, topics } = data;
      if (!isStringList(topics)) throw new MalformedStatementEventError(type, 'topics');
      return { type, data: { statementId: idOf(type, statementId), topics } };
    }
    case 'StatementResponseLinked': {
      const { statementId, respondsTo } = data;
      return {
        type,
        data: { statementId: idOf(type, statementId), respondsTo: text(type, 'respondsTo', respondsTo) },
      };
    }
    case 'StatementRetracted':
    case 'StatementRestored': {
      const { statementId, reason } = data;
      return { type, data: { statementId: idOf(type, statementId), reason: text(type, 'reason', reason) } };
    }
    default:
      return undefined;
  }
}

/** Metadata of an event recorded now by the current schema. */
export function envelope(fields: Omit<EventEnvelope, 'schemaVersion'>): EventEnvelope {
  return { ...fields, schemaVersion: CURRENT_SCHEMA_VERSION };
}

function idOf(type: string, value: unknown): string {
  return text(type, 'statementId', value);
}

function text(type: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new MalformedStatementEventError(type, field);
  return value;
}

type Check = (value: unknown) => boolean;

const isString: Check = (value) => typeof value === 'string';
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const oneOf =
  (values: readonly string[]): Check =>
  (value) =>
    typeof value === 'string' && values.includes(value);
/** an object whose listed members, where present, pass their checks; `required` ones must be present */
const shaped =
  (checks: Record<string, Check>, required: readonly string[]): Check =>
  (value) =>
    isRecord(value) &&
    required.every((key) => value[key] !== undefined) &&
    Object.entries(checks).every(([key, check]) => value[key] === undefined || check(value[key]));

// the checks are made once, here: decoding runs for every event a rebuild reads
const speakerShape = shaped({ name: isString, role: isString, country: isString, organization: isString }, [
  'name',
]);
const placeShape = shaped({ city: isString, country: isString }, []);
const sourceShape = shaped({ url: isString, outlet: isString, publishedAt: isString, via: isString }, [
  'url',
]);
const isSpeaker = (value: unknown): value is Speaker => speakerShape(value);
const isPlace = (value: unknown): value is Place => placeShape(value);
const isSource = (value: unknown): value is Source => sourceShape(value);

/** The check of every field of a statement: a new field is a compile error here until it is checked. */
const FIELD_CHECKS: { [K in keyof StatementFields]-?: Check } = {
  occurredOn: isString,
  speaker: isSpeaker,
  speakerCountry: isString,
  targets: isStringList,
  mentions: isStringList,
  topics: isStringList,
  kind: oneOf(STATEMENT_KINDS),
  cameoCode: isString,
  goldstein: isNumber,
  text: isString,
  attribution: oneOf(ATTRIBUTIONS),
  language: isString,
  location: isPlace,
  sources: (value) => Array.isArray(value) && value.every(isSource),
};
const REQUIRED_FIELDS: readonly (keyof StatementFields)[] = [
  'occurredOn',
  'speaker',
  'targets',
  'mentions',
  'topics',
  'kind',
  'text',
  'attribution',
  'sources',
];

const statementShape = shaped(FIELD_CHECKS, REQUIRED_FIELDS);
const changesShape = shaped(FIELD_CHECKS, []);

function isStatement(value: unknown): value is Statement {
  return isRecord(value) && typeof value.id === 'string' && statementShape(value);
}

function isChanges(value: unknown): value is Partial<StatementFields> {
  return isRecord(value) && Object.keys(value).every((key) => key in FIELD_CHECKS) && changesShape(value);
}
