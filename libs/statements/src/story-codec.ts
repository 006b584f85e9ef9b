import type { PublishedStory, StoryEvent, StoryItem } from '#domain';
import type { EventToAppend } from '#event-store';
import type { EventEnvelope, StoredStatementEvent } from './event-codec.js';

/**
 * The one codec between the domain's story events and the events the store keeps, the twin of the statement
 * codec: `decodeStoryEvent` checks the shape the `type` names instead of casting, so a stored event that is
 * not one this service wrote is an error naming the field, never a half-read story.
 */
export class MalformedStoryEventError extends TypeError {
  constructor(
    readonly eventType: string,
    readonly field: string,
  ) {
    super(`stored ${eventType} has no valid ${field}: it is not an event this service wrote`);
    this.name = 'MalformedStoryEventError';
  }
}

export function encodeStoryEvent(event: StoryEvent, id: string, metadata: EventEnvelope): EventToAppend {
  return { id, type: event.type, data: event.data, metadata };
}

/** The stored event as a story event; undefined when its type is not a story event's. */
export function decodeStoryEvent(stored: StoredStatementEvent): StoryEvent | undefined {
  const { type, data } = stored;
  switch (type) {
    case 'StoryCreated':
      return {
        type,
        data: withOptional(
          { storyId: text(type, 'storyId', data.storyId), title: text(type, 'title', data.title) },
          'summary',
          optionalText(type, 'summary', data.summary),
        ),
      };
    case 'StoryRetitled':
      return {
        type,
        data: { storyId: text(type, 'storyId', data.storyId), title: text(type, 'title', data.title) },
      };
    case 'StoryItemAdded':
    case 'StoryItemAnnotated':
      return { type, data: { storyId: text(type, 'storyId', data.storyId), ...itemOf(type, data) } };
    case 'StoryItemRemoved':
      return {
        type,
        data: {
          storyId: text(type, 'storyId', data.storyId),
          statementId: text(type, 'statementId', data.statementId),
        },
      };
    case 'StoryPublished': {
      const { items } = data;
      if (!Array.isArray(items)) throw new MalformedStoryEventError(type, 'items');
      const published: PublishedStory = withOptional(
        {
          title: text(type, 'title', data.title),
          items: items.map((item) => {
            if (typeof item !== 'object' || item === null || Array.isArray(item))
              throw new MalformedStoryEventError(type, 'items');
            return itemOf(type, item as Record<string, unknown>);
          }),
        },
        'summary',
        optionalText(type, 'summary', data.summary),
      );
      return { type, data: { storyId: text(type, 'storyId', data.storyId), ...published } };
    }
    default:
      return undefined;
  }
}

function itemOf(type: string, data: Record<string, unknown>): StoryItem {
  let item: StoryItem = { statementId: text(type, 'statementId', data.statementId) };
  item = withOptional(item, 'headline', optionalText(type, 'headline', data.headline));
  return withOptional(item, 'note', optionalText(type, 'note', data.note));
}

function withOptional<T extends object, K extends string>(
  value: T,
  key: K,
  member: string | undefined,
): T & Partial<Record<K, string>> {
  return member === undefined ? value : { ...value, [key]: member };
}

function text(type: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new MalformedStoryEventError(type, field);
  return value;
}

function optionalText(type: string, field: string, value: unknown): string | undefined {
  return value === undefined ? undefined : text(type, field, value);
}
