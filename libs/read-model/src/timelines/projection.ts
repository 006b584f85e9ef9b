import { COUNTRY_ROLES, type CountryRole } from '#domain';
import type { CountryEntry, ReadModelWrite, StatementView, TopicEntry } from '../types.js';

/**
 * The projection's part for timelines: which country and topic entries a statement's change opens, closes
 * or replaces, and how it moves the timelines' counters. Only the entries that differ are written.
 */

/** Entry writes from `before` to `after`, countries first, then topics. */
export function timelineEntryWrites(
  before: StatementView | undefined,
  after: StatementView,
): ReadModelWrite[] {
  const writes: ReadModelWrite[] = [];
  const countriesBefore = countryEntriesOf(before);
  for (const [country, entry] of countryEntriesOf(after)) {
    const held = countriesBefore.get(country);
    if (!sameEntry(held, entry))
      writes.push({ type: 'putCountryEntry', entry, replaces: held !== undefined });
    countriesBefore.delete(country);
  }
  for (const country of countriesBefore.keys()) {
    writes.push({ type: 'closeCountryEntry', recordedPosition: after.recordedPosition, country });
  }
  const topicsBefore = topicEntriesOf(before);
  for (const [topic, entry] of topicEntriesOf(after)) {
    const held = topicsBefore.get(topic);
    if (!sameEntry(held, entry)) writes.push({ type: 'putTopicEntry', entry, replaces: held !== undefined });
    topicsBefore.delete(topic);
  }
  for (const topic of topicsBefore.keys()) {
    writes.push({ type: 'closeTopicEntry', recordedPosition: after.recordedPosition, topic });
  }
  return writes;
}

/**
 * The timeline counters one statement's change moves: for each country or topic whose timeline gains, loses
 * or changes the status of its entry, +1/-1 on the ACTIVE and on the current counts.
 */
export function timelineCountWrites(
  before: StatementView | undefined,
  after: StatementView,
): ReadModelWrite[] {
  return [
    ...countChanges('country', countryEntriesOf(before), countryEntriesOf(after)),
    ...countChanges('topic', topicEntriesOf(before), topicEntriesOf(after)),
  ];
}

function countChanges(
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
  const { occurredOn, recordedPosition, kind, status } = view;
  for (const topic of view.topics) {
    entries.set(topic, { topic, occurredOn, recordedPosition, kind, status });
  }
  return entries;
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
