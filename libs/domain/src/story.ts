import { DomainError, ValidationError } from './errors.js';
import { assertNever } from './events.js';
import { parseOptionalText, parseText, parseUuid } from './value-objects.js';

/**
 * Stories: a journalist's own timeline, one stream per story (`story-<id>`). A story holds statements (by id)
 * with her headline and note for each. Publishing pins the log position of the `StoryPublished` event: readers
 * see each statement as it stood there and, beside it, what happened to it since (the correction notice).
 * The decider is pure, like the statement decider: no clock, no ids, no I/O. Whether a statement exists is
 * checked by the application core (it needs the statement's stream), not here.
 */

export const STORY_LIMITS = {
  title: 200,
  summary: 2_000,
  headline: 200,
  note: 2_000,
  /** statements in one story: bounds a story page, its exports and the history reads behind them */
  items: 200,
} as const;

export type StoryStatus = 'DRAFT' | 'PUBLISHED';
export const STORY_STATUSES: readonly StoryStatus[] = ['DRAFT', 'PUBLISHED'];

export interface StoryItem {
  statementId: string;
  headline?: string;
  note?: string;
}

/** What readers get: the story as it was published (title, summary, items with the author's words). */
export interface PublishedStory {
  title: string;
  summary?: string;
  items: StoryItem[];
}

// ---- events

export type StoryCreated = {
  type: 'StoryCreated';
  data: { storyId: string; title: string; summary?: string };
};
export type StoryRetitled = { type: 'StoryRetitled'; data: { storyId: string; title: string } };
export type StoryItemAdded = { type: 'StoryItemAdded'; data: { storyId: string } & StoryItem };
export type StoryItemAnnotated = { type: 'StoryItemAnnotated'; data: { storyId: string } & StoryItem };
export type StoryItemRemoved = { type: 'StoryItemRemoved'; data: { storyId: string; statementId: string } };
/** The snapshot readers get; the log position of this event is the story's `publishedPosition`. */
export type StoryPublished = { type: 'StoryPublished'; data: { storyId: string } & PublishedStory };

export type StoryEvent =
  StoryCreated | StoryRetitled | StoryItemAdded | StoryItemAnnotated | StoryItemRemoved | StoryPublished;

export type StoryEventType = StoryEvent['type'];

export const STORY_EVENT_TYPES: readonly StoryEventType[] = [
  'StoryCreated',
  'StoryRetitled',
  'StoryItemAdded',
  'StoryItemAnnotated',
  'StoryItemRemoved',
  'StoryPublished',
];

// ---- commands (input as given; `decideStory` validates it)

export type CreateStory = { type: 'CreateStory'; id: string; title: unknown; summary?: unknown };
export type RetitleStory = { type: 'RetitleStory'; id: string; title: unknown };
export type AddStoryItem = {
  type: 'AddStoryItem';
  id: string;
  statementId: unknown;
  headline?: unknown;
  note?: unknown;
};
export type AnnotateStoryItem = {
  type: 'AnnotateStoryItem';
  id: string;
  statementId: unknown;
  headline?: unknown;
  note?: unknown;
};
export type RemoveStoryItem = { type: 'RemoveStoryItem'; id: string; statementId: unknown };
export type PublishStory = { type: 'PublishStory'; id: string };

export type StoryCommand =
  CreateStory | RetitleStory | AddStoryItem | AnnotateStoryItem | RemoveStoryItem | PublishStory;

// ---- state

export type StoryState =
  | { exists: false; version: 0 }
  | {
      exists: true;
      version: number;
      title: string;
      summary?: string;
      /** the working items, in the order they were added */
      items: StoryItem[];
      /** the last published snapshot; undefined while the story is a draft */
      published?: PublishedStory;
    };

export const initialStoryState: StoryState = { exists: false, version: 0 };

export const storyStream = (id: string): string => `story-${id}`;
export const STORY_STREAM_PREFIX = 'story-';
export const storyIdOf = (stream: string): string | undefined =>
  stream.startsWith(STORY_STREAM_PREFIX) ? stream.slice(STORY_STREAM_PREFIX.length) : undefined;

export const storyStatusOf = (state: StoryState): StoryStatus =>
  state.exists && state.published !== undefined ? 'PUBLISHED' : 'DRAFT';

// ---- errors

export class StoryNotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(readonly storyId: string) {
    super(`story ${storyId} not found`);
    this.name = 'StoryNotFoundError';
  }
}

export class StoryItemNotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly storyId: string,
    readonly statementId: string,
  ) {
    super(`statement ${statementId} is not in story ${storyId}`);
    this.name = 'StoryItemNotFoundError';
  }
}

export class StoryConflictError extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor(
    message: string,
    readonly expectedVersion?: number,
    readonly actualVersion?: number,
  ) {
    super(message);
    this.name = 'StoryConflictError';
  }
}

// ---- decider

const parseTitle = (value: unknown, field = 'title'): string =>
  parseText(value, field, { max: STORY_LIMITS.title });
const parseSummary = (value: unknown, field: string): string | undefined =>
  parseOptionalText(value, field, { max: STORY_LIMITS.summary, multiline: true });
const parseHeadline = (value: unknown): string | undefined =>
  parseOptionalText(value, 'headline', { max: STORY_LIMITS.headline });
const parseNote = (value: unknown): string | undefined =>
  parseOptionalText(value, 'note', { max: STORY_LIMITS.note, multiline: true });

/** Drops members that are undefined, so events hold only what was given (canonical JSON drops them anyway). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const sameItem = (a: StoryItem, b: StoryItem): boolean =>
  a.statementId === b.statementId && a.headline === b.headline && a.note === b.note;

const sameSnapshot = (a: PublishedStory, b: PublishedStory): boolean =>
  a.title === b.title &&
  a.summary === b.summary &&
  a.items.length === b.items.length &&
  a.items.every((item, index) => sameItem(item, b.items[index]));

/**
 * The events a story command causes on `state`. Repeats that change nothing decide no events (creating a story
 * again with the same title and summary, adding an item already there with the same words, removing an
 * absent item, retitling to the same title, publishing what is already published).
 */
export function decideStory(command: StoryCommand, state: StoryState): StoryEvent[] {
  const storyId = parseUuid(command.id, 'storyId');
  if (command.type === 'CreateStory') {
    const title = parseTitle(command.title, 'input.title');
    const summary = parseSummary(command.summary, 'input.summary');
    if (state.exists) {
      if (
        state.version >= 1 &&
        state.title === title &&
        state.summary === summary &&
        state.items.length === 0
      )
        return [];
      throw new StoryConflictError(`story ${storyId} already exists`);
    }
    return [{ type: 'StoryCreated', data: defined({ storyId, title, summary }) }];
  }
  if (!state.exists) throw new StoryNotFoundError(storyId);
  switch (command.type) {
    case 'RetitleStory': {
      const title = parseTitle(command.title);
      return title === state.title ? [] : [{ type: 'StoryRetitled', data: { storyId, title } }];
    }
    case 'AddStoryItem': {
      const statementId = parseUuid(command.statementId, 'statementId');
      const item: StoryItem = defined({
        statementId,
        headline: parseHeadline(command.headline),
        note: parseNote(command.note),
      });
      const present = state.items.find((i) => i.statementId === statementId);
      if (present !== undefined) {
        if (sameItem(present, item)) return [];
        throw new StoryConflictError(
          `statement ${statementId} is already in story ${storyId}: change its headline or note with annotateStoryItem`,
        );
      }
      if (state.items.length >= STORY_LIMITS.items) {
        throw new ValidationError('statementId', `a story holds at most ${STORY_LIMITS.items} statements`);
      }
      return [{ type: 'StoryItemAdded', data: { storyId, ...item } }];
    }
    case 'AnnotateStoryItem': {
      const statementId = parseUuid(command.statementId, 'statementId');
      const present = state.items.find((i) => i.statementId === statementId);
      if (present === undefined) throw new StoryItemNotFoundError(storyId, statementId);
      // an absent argument keeps the current words; a blank one removes them
      const item: StoryItem = defined({
        statementId,
        headline: command.headline === undefined ? present.headline : parseHeadline(command.headline),
        note: command.note === undefined ? present.note : parseNote(command.note),
      });
      return sameItem(present, item) ? [] : [{ type: 'StoryItemAnnotated', data: { storyId, ...item } }];
    }
    case 'RemoveStoryItem': {
      const statementId = parseUuid(command.statementId, 'statementId');
      return state.items.some((i) => i.statementId === statementId)
        ? [{ type: 'StoryItemRemoved', data: { storyId, statementId } }]
        : [];
    }
    case 'PublishStory': {
      if (state.items.length === 0) {
        throw new ValidationError('storyId', 'a story needs at least one statement to be published');
      }
      const snapshot: PublishedStory = defined({
        title: state.title,
        summary: state.summary,
        items: state.items.map((item) => ({ ...item })),
      });
      if (state.published !== undefined && sameSnapshot(state.published, snapshot)) return [];
      return [{ type: 'StoryPublished', data: { storyId, ...snapshot } }];
    }
    default:
      return assertNever(command);
  }
}

export function evolveStory(state: StoryState, event: StoryEvent): StoryState {
  if (event.type === 'StoryCreated') {
    const { title, summary } = event.data;
    return defined({ exists: true as const, version: state.version + 1, title, summary, items: [] });
  }
  if (!state.exists) {
    throw new Error(`cannot apply ${event.type} to story ${event.data.storyId}: it was never created`);
  }
  const version = state.version + 1;
  switch (event.type) {
    case 'StoryRetitled':
      return { ...state, version, title: event.data.title };
    case 'StoryItemAdded': {
      const { storyId: _storyId, ...item } = event.data;
      return { ...state, version, items: [...state.items, item] };
    }
    case 'StoryItemAnnotated': {
      const { storyId: _storyId, ...item } = event.data;
      return {
        ...state,
        version,
        items: state.items.map((i) => (i.statementId === item.statementId ? item : i)),
      };
    }
    case 'StoryItemRemoved':
      return {
        ...state,
        version,
        items: state.items.filter((i) => i.statementId !== event.data.statementId),
      };
    case 'StoryPublished': {
      const { storyId: _storyId, ...published } = event.data;
      return { ...state, version, published };
    }
    default:
      return assertNever(event);
  }
}
