import { sameJson } from './canonical-json.js';
import type {
  AddStatementSource,
  CorrectStatement,
  LinkResponse,
  RecordStatement,
  RestoreStatement,
  RetractStatement,
  StatementCommand,
  TagStatement,
  UntagStatement,
} from './commands.js';
import { StatementConflictError, StatementNotFoundError, ValidationError } from './errors.js';
import { assertNever, type StatementEvent } from './events.js';
import { normalizeSource, normalizeStatementChanges, normalizeStatementInput } from './normalize.js';
import type { ReferenceData } from './reference-ports.js';
import type { Statement, StatementStatus } from './statement.js';
import { LIMITS, parseList, parseReason, parseTopic, parseUuid } from './value-objects.js';

/**
 * The decider of one statement stream: `decide(command, state, ref) -> events` and
 * `evolve(state, event) -> state`. Pure: no clock, no ids, no I/O. State is plain JSON.
 */

export type StatementState =
  | { exists: false; version: 0 }
  | {
      exists: true;
      /** the statement as it stands now (corrections, sources and topics applied) */
      statement: Statement;
      status: StatementStatus;
      /** number of events applied: 1 after `StatementRecorded` */
      version: number;
      /** ids of the statements this one responds to, in link order */
      respondsTo: string[];
      /** the statement as first recorded: a repeated `RecordStatement` is compared with it */
      recorded: Statement;
    };

export type ExistingStatementState = Extract<StatementState, { exists: true }>;

export const initialStatementState: StatementState = { exists: false, version: 0 };

const appendNew = <T>(list: readonly T[], items: readonly T[]): T[] => [
  ...list,
  ...items.filter((item, index) => !list.includes(item) && items.indexOf(item) === index),
];

export function evolve(state: StatementState, event: StatementEvent): StatementState {
  if (event.type === 'StatementRecorded') {
    return {
      exists: true,
      statement: event.data,
      status: 'ACTIVE',
      version: state.version + 1,
      respondsTo: state.exists ? state.respondsTo : [],
      recorded: state.exists ? state.recorded : event.data,
    };
  }
  if (!state.exists) {
    throw new Error(
      `cannot apply ${event.type} to statement ${event.data.statementId}: it was never recorded`,
    );
  }
  const version = state.version + 1;
  const { statement } = state;
  switch (event.type) {
    case 'StatementCorrected':
      return { ...state, version, statement: { ...statement, ...event.data.changes } };
    case 'StatementSourceAdded':
      return statement.sources.some((s) => s.url === event.data.source.url)
        ? { ...state, version }
        : {
            ...state,
            version,
            statement: { ...statement, sources: [...statement.sources, event.data.source] },
          };
    case 'StatementTopicsTagged':
      return {
        ...state,
        version,
        statement: { ...statement, topics: appendNew(statement.topics, event.data.topics) },
      };
    case 'StatementTopicsUntagged':
      return {
        ...state,
        version,
        statement: { ...statement, topics: statement.topics.filter((t) => !event.data.topics.includes(t)) },
      };
    case 'StatementResponseLinked':
      return { ...state, version, respondsTo: appendNew(state.respondsTo, [event.data.respondsTo]) };
    case 'StatementRetracted':
      return { ...state, version, status: 'RETRACTED' };
    case 'StatementRestored':
      return { ...state, version, status: 'ACTIVE' };
    default:
      return assertNever(event);
  }
}

/** The state after `events`, from the start of the stream. */
export const foldStatement = (events: readonly StatementEvent[]): StatementState =>
  events.reduce(evolve, initialStatementState);

export function decide(
  command: StatementCommand,
  state: StatementState,
  ref: ReferenceData,
): StatementEvent[] {
  if (command.type === 'RecordStatement') return record(command, state, ref);
  if (!state.exists) throw new StatementNotFoundError(command.id);
  if (state.status === 'RETRACTED' && command.type !== 'RestoreStatement') {
    throw new StatementConflictError(
      `statement ${command.id} is retracted: restore it before ${activity(command.type)}`,
    );
  }
  switch (command.type) {
    case 'CorrectStatement':
      return correct(command, state, ref);
    case 'AddStatementSource':
      return addSource(command, state);
    case 'TagStatement':
      return tag(command, state);
    case 'UntagStatement':
      return untag(command, state);
    case 'LinkResponse':
      return linkResponse(command, state);
    case 'RetractStatement':
      return retract(command);
    case 'RestoreStatement':
      return restore(command, state);
    default:
      return assertNever(command);
  }
}

const DESCRIPTIONS: Record<
  Exclude<StatementCommand['type'], 'RecordStatement' | 'RestoreStatement'>,
  string
> = {
  CorrectStatement: 'correcting it',
  AddStatementSource: 'adding a source',
  TagStatement: 'tagging it',
  UntagStatement: 'untagging it',
  LinkResponse: 'linking a response',
  RetractStatement: 'retracting it again',
};

const activity = (type: StatementCommand['type']): string =>
  type === 'RecordStatement' || type === 'RestoreStatement' ? 'changing it' : DESCRIPTIONS[type];

/**
 * Records a statement once. Recording the same id again with the same normalised content (compared with
 * the statement as first recorded, so a retried call succeeds even after later changes) yields no events;
 * other content under the same id is a conflict.
 */
function record(command: RecordStatement, state: StatementState, ref: ReferenceData): StatementEvent[] {
  const id = parseUuid(command.id, 'input.id');
  const statement: Statement = { id, ...normalizeStatementInput(command.input, ref, 'input') };
  if (!state.exists) return [{ type: 'StatementRecorded', data: statement }];
  if (sameJson(statement, state.recorded)) return [];
  throw new StatementConflictError(`statement ${id} is already recorded with other content`);
}

function correct(
  command: CorrectStatement,
  state: ExistingStatementState,
  ref: ReferenceData,
): StatementEvent[] {
  const reason = parseReason(command.reason);
  const changes = normalizeStatementChanges(command.changes, state.statement, ref, 'input');
  if (Object.keys(changes).length === 0) throw new ValidationError('input', 'the correction changes nothing');
  return [{ type: 'StatementCorrected', data: { statementId: command.id, changes, reason } }];
}

function addSource(command: AddStatementSource, state: ExistingStatementState): StatementEvent[] {
  const source = normalizeSource(command.source, 'source');
  const { sources } = state.statement;
  if (sources.some((s) => s.url === source.url)) return [];
  if (sources.length >= LIMITS.sources) {
    throw new ValidationError('source', `a statement has at most ${LIMITS.sources} sources`);
  }
  return [{ type: 'StatementSourceAdded', data: { statementId: command.id, source } }];
}

/** The slugs of a tag or untag command: at least one, each a slug (`topics.<i>`), deduplicated. */
const topicsOf = (topics: unknown): string[] =>
  parseList(topics, 'topics', { max: LIMITS.topics, required: true }, parseTopic);

function tag(command: TagStatement, state: ExistingStatementState): StatementEvent[] {
  const present = state.statement.topics;
  const topics = topicsOf(command.topics).filter((t) => !present.includes(t));
  if (topics.length === 0) return [];
  if (present.length + topics.length > LIMITS.topics) {
    throw new ValidationError('topics', `a statement has at most ${LIMITS.topics} topics`);
  }
  return [{ type: 'StatementTopicsTagged', data: { statementId: command.id, topics } }];
}

function untag(command: UntagStatement, state: ExistingStatementState): StatementEvent[] {
  const topics = topicsOf(command.topics).filter((t) => state.statement.topics.includes(t));
  if (topics.length === 0) return [];
  return [{ type: 'StatementTopicsUntagged', data: { statementId: command.id, topics } }];
}

function linkResponse(command: LinkResponse, state: ExistingStatementState): StatementEvent[] {
  const respondsTo = parseUuid(command.respondsTo, 'respondsTo');
  if (respondsTo.toLowerCase() === command.id.toLowerCase()) {
    throw new ValidationError('respondsTo', 'a statement cannot respond to itself');
  }
  if (state.respondsTo.some((id) => id.toLowerCase() === respondsTo.toLowerCase())) return [];
  if (state.respondsTo.length >= LIMITS.respondsTo) {
    throw new ValidationError(
      'respondsTo',
      `a statement may respond to at most ${LIMITS.respondsTo} statements; this one already responds to ${state.respondsTo.length}`,
    );
  }
  return [{ type: 'StatementResponseLinked', data: { statementId: command.id, respondsTo } }];
}

function retract(command: RetractStatement): StatementEvent[] {
  const reason = parseReason(command.reason);
  return [{ type: 'StatementRetracted', data: { statementId: command.id, reason } }];
}

function restore(command: RestoreStatement, state: ExistingStatementState): StatementEvent[] {
  if (state.status !== 'RETRACTED') {
    throw new StatementConflictError(`statement ${command.id} is not retracted`);
  }
  const reason = parseReason(command.reason);
  return [{ type: 'StatementRestored', data: { statementId: command.id, reason } }];
}
