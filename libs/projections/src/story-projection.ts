import { evolveStory, storyIdOf, storyStatusOf, type StoryState } from '#domain';
import type { RecordedEvent } from '#event-store';
import type { ReadModelWrite, StoryView, WriteBatch } from '#read-model';
import { decodeStoryEvent } from '#statements';

/**
 * The stories projection as a pure fold: what a story event does to the story is the domain's `evolveStory`;
 * this adds what the read model keeps besides (positions, times, who created it). Idempotent by construction:
 * an event at or before the story's last applied position yields nothing.
 */
export function projectStoryEvent(event: RecordedEvent, current: StoryView | undefined): ReadModelWrite[] {
  const id = storyIdOf(event.stream);
  if (id === undefined) return [];
  if (current !== undefined && event.position <= current.lastPosition) return [];
  const storyEvent = decodeStoryEvent(event);
  if (storyEvent === undefined) return [];
  // a change to a story never created is for `audit verify` to report, not for the projection to stop on
  if (current === undefined && storyEvent.type !== 'StoryCreated') return [];
  const state = evolveStory(stateOf(current), storyEvent);
  if (!state.exists) return [];
  const published = storyEvent.type === 'StoryPublished';
  const story: StoryView = {
    id,
    title: state.title,
    ...(state.summary === undefined ? {} : { summary: state.summary }),
    status: storyStatusOf(state),
    version: event.revision + 1,
    items: state.items,
    ...(state.published === undefined ? {} : { published: state.published }),
    ...(published
      ? { publishedPosition: event.position, publishedAt: event.metadata.recordedAt }
      : current?.publishedPosition === undefined
        ? {}
        : { publishedPosition: current.publishedPosition, publishedAt: current.publishedAt }),
    createdAt: current?.createdAt ?? event.metadata.recordedAt,
    createdBy: current?.createdBy ?? event.metadata.recordedBy,
    updatedAt: event.metadata.recordedAt,
    createdPosition: current?.createdPosition ?? event.position,
    lastPosition: event.position,
  };
  return [{ type: 'putStory', story }];
}

function stateOf(view: StoryView | undefined): StoryState {
  if (view === undefined) return { exists: false, version: 0 };
  return {
    exists: true,
    version: view.version,
    title: view.title,
    ...(view.summary === undefined ? {} : { summary: view.summary }),
    items: view.items,
    ...(view.published === undefined ? {} : { published: view.published }),
  };
}

/** The story events among `events`, projected into an open batch. */
export function projectStoryEvents(batch: WriteBatch, events: readonly RecordedEvent[]): void {
  for (const event of events) {
    const id = storyIdOf(event.stream);
    if (id === undefined) continue;
    batch.apply(event.position, projectStoryEvent(event, batch.story(id)));
  }
}
