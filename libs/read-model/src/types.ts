import type { CountryRole, Statement, StatementKind, StatementStatus } from '#domain';
import type { StoryView } from './stories/stories.js';

/**
 * A statement as the read side serves it: the statement fields plus what the log says about it.
 * `version` counts the statement's events (1 after `StatementRecorded`, i.e. stream revision + 1);
 * `lastPosition` is the global position of the last event applied to it.
 */
export type StatementView = Statement & {
  status: StatementStatus;
  version: number;
  /** ISO-8601: when `StatementRecorded` was stored */
  recordedAt: string;
  /** ISO-8601: when the last event of the statement was stored */
  updatedAt: string;
  /** ids of the statements this one responds to, in link order */
  respondsTo: string[];
  /** position of `StatementRecorded`: the second sort key of every timeline */
  recordedPosition: bigint;
  lastPosition: bigint;
};

/** One statement on one country's timeline, with every role the country holds in it. */
export interface CountryEntry {
  country: string;
  /** in `COUNTRY_ROLES` order, never empty */
  roles: readonly CountryRole[];
  occurredOn: string;
  /** the statement's key in the entry tables: the log position that recorded it */
  recordedPosition: bigint;
  kind: StatementKind;
  status: StatementStatus;
}

/** One statement on one topic's timeline. */
export interface TopicEntry {
  topic: string;
  occurredOn: string;
  /** the statement's key in the entry tables: the log position that recorded it */
  recordedPosition: bigint;
  kind: StatementKind;
  status: StatementStatus;
}

/**
 * What a projection asks the read model to do at one log position. `put*` closes the current row of that
 * key (if any) at the position and opens the given one; `close*` only closes. Rows are never updated in
 * place otherwise, which is what makes every table answer as-of queries.
 */
export type ReadModelWrite =
  /**
   * `replaces: false` says that no current row exists yet (a new statement, a country or topic it did not
   * concern before), so the write is a bare INSERT; absent or true, the current row is closed first.
   */
  | { type: 'putStatement'; statement: StatementView; replaces?: boolean }
  | { type: 'putCountryEntry'; entry: CountryEntry; replaces?: boolean }
  | { type: 'closeCountryEntry'; recordedPosition: bigint; country: string }
  | { type: 'putTopicEntry'; entry: TopicEntry; replaces?: boolean }
  | { type: 'closeTopicEntry'; recordedPosition: bigint; topic: string }
  | { type: 'openResponseLink'; statementId: string; respondsTo: string }
  | { type: 'adjustTopicCount'; topic: string; delta: number }
  /**
   * Moves the counters of one current timeline: `active` counts its ACTIVE entries (what an unfiltered page
   * lists), `current` all its current entries (what `includeRetracted` lists).
   */
  | {
      type: 'adjustTimelineCount';
      timeline: 'country' | 'topic';
      key: string;
      active: number;
      current: number;
    }
  | { type: 'putSearchDocument'; document: SearchDocument; replaces: boolean }
  /** the event at this position was recorded at `recordedAt` (the as-of index, `as-of.ts`) */
  | { type: 'indexRecordedAt'; recordedAt: string }
  /** the story as it is now (its row replaced whole, its published members with it) */
  | { type: 'putStory'; story: StoryView };

/** The kinds of write; the writer's switch over them is exhaustive (a new kind fails to compile). */
export type ReadModelWriteType = ReadModelWrite['type'];

export type SortOrder = 'ASC' | 'DESC';

export interface TimelineFilter {
  /** partial date; the timeline starts at the start of that period */
  from?: string;
  /** partial date; the timeline ends with the end of that period */
  to?: string;
  /** the statement carries at least one of these topics */
  topics?: string[];
  kinds?: StatementKind[];
  /** country timeline only: the country holds at least one of these roles */
  roles?: CountryRole[];
  /** alpha-2: the statement also concerns this country, in any role */
  counterpart?: string;
  /** also list retracted statements (default: ACTIVE only) */
  includeRetracted?: boolean;
  /**
   * true: only statements that involve at least two countries (speaker country, targets and mentions
   * together; on a country timeline, a country other than the timeline's); false: only those that involve at
   * most one. Absent: both.
   */
  involvesOtherCountry?: boolean;
}

export interface TimelineRequest {
  filter?: TimelineFilter;
  /** 0..MAX_PAGE_SIZE: the first items after `after` (Relay); give this or `last` */
  first?: number;
  /** an `endCursor` / edge cursor of an earlier page, in the same order */
  after?: string;
  /** 0..MAX_PAGE_SIZE: the last items before `before` (Relay, paging backwards) */
  last?: number;
  /** a `startCursor` / edge cursor: only items before it */
  before?: string;
  order: SortOrder;
  /** read the timeline as it stood at this global log position */
  asOf?: bigint;
}

export interface TimelineEdge {
  cursor: string;
  node: StatementView;
  /** the roles of the timeline's country; empty on topic timelines */
  roles: CountryRole[];
}

export interface StatementConnection {
  edges: TimelineEdge[];
  hasNextPage: boolean;
  endCursor: string | null;
  /** Relay: items before the page (before `after` when paging forward, beyond `last` when backward) */
  hasPreviousPage: boolean;
  startCursor: string | null;
  /**
   * matching statements on the whole timeline (filters applied, cursor ignored). The read model computes it
   * only when it is read (a getter, computed once), from a maintained counter when no filter applies.
   */
  readonly totalCount: number;
}

/** The same type under the name the API layer uses for a timeline page. */
export type TimelinePage = StatementConnection;

export interface TopicCount {
  topic: string;
  count: number;
}

export type DumpRow = Record<string, string | bigint | number | null>;

/** Every row of every table, in primary-key order: two read models are equal iff their dumps are. */
export type ReadModelDump = Record<string, DumpRow[]>;

/** The searchable fields of a statement, under the rowid `recordedPosition`. */
export interface SearchDocument {
  recordedPosition: bigint;
  text: string;
  /** name, role and organization */
  speaker: string;
  /** outlets and urls */
  sources: string;
}

export interface SearchRequest {
  /** the user's words: plain words, "exact phrases", prefix* words */
  query: string;
  /** `roles` needs `counterpart` here: the counterpart holds one of the roles */
  filter?: TimelineFilter;
  /** give `first` (with `after`) or `last` (with `before`), as in a timeline request */
  first?: number;
  after?: string;
  last?: number;
  before?: string;
}

export type Interval = 'MONTH' | 'YEAR';

export interface ActivityRequest {
  timeline: 'country' | 'topic';
  key: string;
  from?: string;
  to?: string;
  interval: Interval;
}

export interface KindCount {
  kind: StatementKind;
  count: number;
}

export interface ActivityBucket {
  /** '2019-05' (MONTH) or '2019' (YEAR; in a MONTH series, the statements dated only to that year) */
  period: string;
  count: number;
  byKind: KindCount[];
  meanGoldstein: number | null;
}

export interface RelationsRequest {
  country: string;
  from?: string;
  to?: string;
}

export interface CountryRelation {
  counterpart: string;
  /** statements in which the country is the speaker country and the counterpart a target or mentioned */
  outgoing: number;
  /** statements in which the counterpart is the speaker country and the country a target or mentioned */
  incoming: number;
  byKind: KindCount[];
  meanGoldstein: number | null;
}
