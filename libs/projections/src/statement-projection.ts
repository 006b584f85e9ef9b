import {
  COUNTRY_ROLES,
  evolve,
  initialStatementState,
  statementIdOf,
  type CountryRole,
  type StatementEvent,
  type StatementState,
} from '#domain';
import type { RecordedEvent } from '#event-store';
import { decodeStatementEvent } from '#statements';
import {
  sameSearchDocument,
  searchDocumentOf,
  type CountryEntry,
  type ReadModel,
  type ReadModelWrite,
  type StatementView,
  type TopicEntry,
} from '#read-model';

/**
 * The statements projection as a pure fold: `projectStatementEvent(event, current)` returns the read-model
 * writes one event causes, given the statement's current view. No SQL here (that is the read model's), no
 * I/O: the runner reads `current`, calls this, and hands the writes to `ReadModel.apply`.
 *
 * What an event does to a statement is the domain's `evolve`; this file only turns the resulting view into
 * row writes.
 */

/**
 * The event as a statement event, or undefined when it is not one (other streams, unknown types). The data
 * (lifted to the current schema at the store boundary) is checked by the statements' one event codec.
 */
export function statementEventOf(event: RecordedEvent): StatementEvent | undefined {
  if (statementIdOf(event.stream) === undefined) return undefined;
  return decodeStatementEvent(event);
}

/**
 * The view after `event`, or undefined when the event changes nothing the read model keeps. The statement's
 * content follows the domain's own `evolve`, so the read model can never disagree with the decider about
 * what an event means; this adds only what the read model keeps besides (positions, times).
 */
export function evolveStatementView(
  current: StatementView | undefined,
  event: RecordedEvent,
): StatementView | undefined {
  const statementEvent = statementEventOf(event);
  const id = statementIdOf(event.stream);
  if (statementEvent === undefined || id === undefined) return undefined;
  // The decider never emits a change for a statement it has not recorded; a log that holds one anyway is
  // for `audit verify` to report, not for the projection to stop on.
  if (current === undefined && statementEvent.type !== 'StatementRecorded') return undefined;
  const state = evolve(stateOf(current), statementEvent);
  if (!state.exists) return undefined;
  return {
    ...state.statement,
    id,
    status: state.status,
    respondsTo: state.respondsTo,
    version: event.revision + 1,
    recordedAt: current?.recordedAt ?? event.metadata.recordedAt,
    updatedAt: event.metadata.recordedAt,
    recordedPosition: current?.recordedPosition ?? event.position,
    lastPosition: event.position,
  };
}

/** The decider state a view stands for (`recorded` is not kept by the read model and not needed here). */
function stateOf(view: StatementView | undefined): StatementState {
  if (view === undefined) return initialStatementState;
  const {
    status,
    version,
    respondsTo,
    recordedAt: _recordedAt,
    updatedAt: _updatedAt,
    recordedPosition: _recordedPosition,
    lastPosition: _lastPosition,
    ...statement
  } = view;
  return { exists: true, statement, status, version, respondsTo, recorded: statement };
}

/**
 * The writes `event` causes. Idempotent by construction: an event at or before the position the statement
 * was last changed at has been applied already and yields nothing, so replays leave rows and counters as
 * they are.
 */
export function projectStatementEvent(
  event: RecordedEvent,
  current: StatementView | undefined,
): ReadModelWrite[] {
  if (current !== undefined && event.position <= current.lastPosition) return [];
  const next = evolveStatementView(current, event);
  return next === undefined ? [] : diffStatement(current, next);
}

/** Row-level changes from `before` to `after`: only the index entries that differ are closed and reopened. */
export function diffStatement(before: StatementView | undefined, after: StatementView): ReadModelWrite[] {
  // `replaces: false` where no current row exists yet: the read model then skips closing one
  const writes: ReadModelWrite[] = [
    { type: 'putStatement', statement: after, replaces: before !== undefined },
  ];

  const countriesBefore = countryEntriesOf(before);
  const countriesAfter = countryEntriesOf(after);
  const topicsBefore = topicEntriesOf(before);
  const topicsAfter = topicEntriesOf(after);
  const counts = [
    ...timelineCountChanges('country', countriesBefore, countriesAfter),
    ...timelineCountChanges('topic', topicsBefore, topicsAfter),
  ];
  for (const [country, entry] of countriesAfter) {
    const held = countriesBefore.get(country);
    if (!sameEntry(held, entry))
      writes.push({ type: 'putCountryEntry', entry, replaces: held !== undefined });
    countriesBefore.delete(country);
  }
  for (const country of countriesBefore.keys()) {
    writes.push({ type: 'closeCountryEntry', statementId: after.id, country });
  }

  for (const [topic, entry] of topicsAfter) {
    const held = topicsBefore.get(topic);
    if (!sameEntry(held, entry)) writes.push({ type: 'putTopicEntry', entry, replaces: held !== undefined });
    topicsBefore.delete(topic);
  }
  for (const topic of topicsBefore.keys()) {
    writes.push({ type: 'closeTopicEntry', statementId: after.id, topic });
  }

  for (const respondsTo of after.respondsTo) {
    if (!before?.respondsTo.includes(respondsTo)) {
      writes.push({ type: 'openResponseLink', statementId: after.id, respondsTo });
    }
  }

  // topic_counts counts ACTIVE statements per topic
  const activeBefore = new Set(before?.status === 'ACTIVE' ? before.topics : []);
  const activeAfter = new Set(after.status === 'ACTIVE' ? after.topics : []);
  for (const topic of activeAfter) {
    if (!activeBefore.has(topic)) writes.push({ type: 'adjustTopicCount', topic, delta: 1 });
  }
  for (const topic of activeBefore) {
    if (!activeAfter.has(topic)) writes.push({ type: 'adjustTopicCount', topic, delta: -1 });
  }

  writes.push(...counts);

  // the search document only when text, speaker or sources change (most events touch none of them)
  const document = searchDocumentOf(after);
  const previous = before && searchDocumentOf(before);
  if (!sameSearchDocument(previous, document)) {
    writes.push({ type: 'putSearchDocument', document, replaces: previous !== undefined });
  }
  return writes;
}

/**
 * The timeline counters one statement's change moves: for each country or topic whose timeline gains, loses
 * or changes the status of its entry, +1/-1 on the ACTIVE and on the current counts.
 */
function timelineCountChanges(
  timeline: 'country' | 'topic',
  before: ReadonlyMap<string, CountryEntry | TopicEntry>,
  after: ReadonlyMap<string, CountryEntry | TopicEntry>,
): ReadModelWrite[] {
  const changes: ReadModelWrite[] = [];
  const activeIn = (entry: CountryEntry | TopicEntry | undefined): number =>
    entry?.status === 'ACTIVE' ? 1 : 0;
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(key);
    const is = after.get(key);
    const active = activeIn(is) - activeIn(was);
    const current = (is === undefined ? 0 : 1) - (was === undefined ? 0 : 1);
    if (active !== 0 || current !== 0)
      changes.push({ type: 'adjustTimelineCount', timeline, key, active, current });
  }
  return changes;
}

/** One entry per country the statement concerns, with every role it holds (speaker, target, mentioned). */
export function countryEntriesOf(view: StatementView | undefined): Map<string, CountryEntry> {
  if (view === undefined) return new Map();
  const roles = new Map<string, Set<CountryRole>>();
  const hold = (country: string | undefined, role: CountryRole): void => {
    if (country === undefined) return;
    const held = roles.get(country) ?? new Set<CountryRole>();
    held.add(role);
    roles.set(country, held);
  };
  hold(view.speakerCountry, 'SPEAKER');
  for (const country of view.targets) hold(country, 'TARGET');
  for (const country of view.mentions) hold(country, 'MENTIONED');
  const entries = new Map<string, CountryEntry>();
  for (const [country, held] of roles) {
    entries.set(country, {
      statementId: view.id,
      country,
      roles: COUNTRY_ROLES.filter((role) => held.has(role)),
      occurredOn: view.occurredOn,
      recordedPosition: view.recordedPosition,
      kind: view.kind,
      status: view.status,
    });
  }
  return entries;
}

export function topicEntriesOf(view: StatementView | undefined): Map<string, TopicEntry> {
  const entries = new Map<string, TopicEntry>();
  if (view === undefined) return entries;
  const { id: statementId, occurredOn, recordedPosition, kind, status } = view;
  for (const topic of view.topics) {
    entries.set(topic, { statementId, topic, occurredOn, recordedPosition, kind, status });
  }
  return entries;
}

/**
 * Applies events to a read model in one transaction, WITHOUT touching any checkpoint: the runner wraps this
 * with its checkpoint; tests call it directly to show that a replay changes nothing.
 *
 * A statement's current view is read from the read model once per batch: after that the batch keeps the
 * view it wrote (in the form the read model would give it back), since a statement's events usually follow
 * each other in the log. The views live only as long as the transaction, so a batch that fails and rolls
 * back leaves nothing behind.
 */
export function applyStatementEvents(readModel: ReadModel, events: readonly RecordedEvent[]): void {
  // a written view is brought into stored form only when a later event of the batch needs it
  const views = new Map<string, { view: StatementView | undefined; stored: boolean }>();
  const documents = new Map<bigint, SearchDocumentWrite>();
  const counts = new Map<string, CountWrite>();
  readModel.transaction(() => {
    let last: bigint | undefined;
    for (const event of events) {
      const id = statementIdOf(event.stream);
      if (id === undefined) continue;
      const cached = views.get(id);
      let current: StatementView | undefined;
      if (cached === undefined) current = readModel.statement(id);
      else current = cached.stored || cached.view === undefined ? cached.view : storedView(cached.view);
      const writes = projectStatementEvent(event, current);
      readModel.apply(event.position, holdCounts(holdSearchDocuments(writes, documents), counts));
      last = event.position;
      const written = writes.find((write) => write.type === 'putStatement');
      if (written === undefined) views.set(id, { view: current, stored: true });
      else views.set(id, { view: written.statement, stored: false });
    }
    if (last !== undefined && counts.size > 0) readModel.apply(last, [...counts.values()]);
    if (last !== undefined && documents.size > 0) {
      const ordered = [...documents.values()].sort((a, b) =>
        a.document.recordedPosition < b.document.recordedPosition ? -1 : 1,
      );
      readModel.apply(last, ordered);
    }
  });
}

type SearchDocumentWrite = Extract<ReadModelWrite, { type: 'putSearchDocument' }>;
type CountWrite = Extract<ReadModelWrite, { type: 'adjustTopicCount' | 'adjustTimelineCount' }>;

/**
 * The writes without their counter moves, which are summed into `counts` instead (one per topic and per
 * timeline) and written once at the end of the batch: a new statement moves four or five counters, each an
 * upsert and a delete, the largest share of a rebuild's SQLite calls. Nothing reads the counters during a
 * batch, and the sums leave the same rows: a counter that ends at 0 is deleted either way (a timeline's
 * `active` is never above its `current`, and no count goes below 0).
 */
function holdCounts(writes: readonly ReadModelWrite[], counts: Map<string, CountWrite>): ReadModelWrite[] {
  const rest: ReadModelWrite[] = [];
  for (const write of writes) {
    if (write.type === 'adjustTopicCount') {
      const key = `topic\u0000${write.topic}`;
      const held = counts.get(key);
      const delta = held?.type === 'adjustTopicCount' ? held.delta : 0;
      counts.set(key, { ...write, delta: delta + write.delta });
    } else if (write.type === 'adjustTimelineCount') {
      const key = `${write.timeline}\u0001${write.key}`;
      const held = counts.get(key);
      const sum = held?.type === 'adjustTimelineCount' ? held : { active: 0, current: 0 };
      counts.set(key, {
        ...write,
        active: sum.active + write.active,
        current: sum.current + write.current,
      });
    } else {
      rest.push(write);
    }
  }
  return rest;
}

/**
 * The writes without their search documents, which go to `documents` instead: the batch writes each
 * statement's last document once, at its end, in document (rowid) order. FTS5 keeps a transaction's new
 * entries in memory only while rowids grow; replacing a document out of order (a statement corrected
 * after later ones were recorded) makes it write them all out first, which made such replacements cost
 * over a millisecond each. The table ends the batch with the same documents either way, and nothing reads
 * it during the batch.
 */
function holdSearchDocuments(
  writes: readonly ReadModelWrite[],
  documents: Map<bigint, SearchDocumentWrite>,
): ReadModelWrite[] {
  const rest: ReadModelWrite[] = [];
  for (const write of writes) {
    if (write.type !== 'putSearchDocument') {
      rest.push(write);
      continue;
    }
    const key = write.document.recordedPosition;
    // replaces: whether a document was stored before the batch, i.e. the first write's answer
    const held = documents.get(key);
    documents.set(key, { ...write, replaces: held?.replaces ?? write.replaces });
  }
  return rest;
}

/**
 * The view as the read model returns it after storing it: the statement's content goes through JSON there,
 * which drops keys holding `undefined` and so can change the key order of later versions' JSON. Caching the
 * round-tripped view keeps a batch's rows identical to those of one-event-at-a-time projection.
 */
function storedView(view: StatementView): StatementView {
  const { status, version, recordedAt, updatedAt, recordedPosition, lastPosition, ...statement } = view;
  const content = JSON.parse(JSON.stringify(statement)) as Omit<
    StatementView,
    'status' | 'version' | 'recordedAt' | 'updatedAt' | 'recordedPosition' | 'lastPosition'
  >;
  return { ...content, status, version, recordedAt, updatedAt, recordedPosition, lastPosition };
}

function sameEntry(a: CountryEntry | TopicEntry | undefined, b: CountryEntry | TopicEntry): boolean {
  if (a === undefined) return false;
  const rolesOf = (entry: CountryEntry | TopicEntry): string => ('roles' in entry ? entry.roles.join() : '');
  return (
    a.occurredOn === b.occurredOn &&
    a.kind === b.kind &&
    a.status === b.status &&
    a.recordedPosition === b.recordedPosition &&
    rolesOf(a) === rolesOf(b)
  );
}
