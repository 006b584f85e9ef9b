import { ValidationError } from './errors.js';
import {
  StoryConflictError,
  StoryItemNotFoundError,
  StoryNotFoundError,
  decideStory,
  evolveStory,
  initialStoryState,
  type StoryCommand,
  type StoryEvent,
  type StoryState,
} from './story.js';

const STORY = '3f1c2a8e-1b2c-4d5e-8f90-a1b2c3d4e5f6';
const S1 = '11111111-1111-4111-8111-111111111111';
const S2 = '22222222-2222-4222-8222-222222222222';

/** given events, when command, then events (or an error) */
const given = (...events: StoryEvent[]): StoryState => events.reduce(evolveStory, initialStoryState);
type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
const when = (state: StoryState, command: Without<StoryCommand, 'id'>) =>
  decideStory({ id: STORY, ...command } as StoryCommand, state);

const created: StoryEvent = { type: 'StoryCreated', data: { storyId: STORY, title: 'Xinjiang' } };
const added = (statementId: string, note?: string): StoryEvent => ({
  type: 'StoryItemAdded',
  data: { storyId: STORY, statementId, ...(note === undefined ? {} : { note }) },
});

describe('the story decider', () => {
  it('creates a story with a trimmed title and no empty summary', () => {
    expect(when(initialStoryState, { type: 'CreateStory', title: '  Xinjiang ', summary: ' ' })).toEqual([
      created,
    ]);
  });

  it('refuses a title that is blank, too long or holds control characters, naming the field', () => {
    for (const title of ['', 'x'.repeat(201), 'a\u0007b', 42]) {
      expect(() => when(initialStoryState, { type: 'CreateStory', title })).toThrow(ValidationError);
    }
    try {
      when(initialStoryState, { type: 'CreateStory', title: '' });
    } catch (error) {
      expect((error as ValidationError).field).toBe('input.title');
    }
  });

  it('needs the story to exist for every other command', () => {
    expect(() => when(initialStoryState, { type: 'PublishStory' })).toThrow(StoryNotFoundError);
  });

  it('adds a statement once; the same words again change nothing; other words are a conflict', () => {
    const state = given(created);
    expect(when(state, { type: 'AddStoryItem', statementId: S1.toUpperCase(), note: 'why' })).toEqual([
      added(S1, 'why'),
    ]);
    const after = given(created, added(S1, 'why'));
    expect(when(after, { type: 'AddStoryItem', statementId: S1, note: 'why' })).toEqual([]);
    expect(() => when(after, { type: 'AddStoryItem', statementId: S1, note: 'other' })).toThrow(
      StoryConflictError,
    );
    expect(() => when(after, { type: 'AddStoryItem', statementId: 'nope' })).toThrow(/statementId/);
  });

  it('annotates only a statement in the story; an absent argument keeps the words, a blank one removes them', () => {
    const state = given(created, added(S1, 'why'));
    expect(() => when(state, { type: 'AnnotateStoryItem', statementId: S2, note: 'x' })).toThrow(
      StoryItemNotFoundError,
    );
    expect(when(state, { type: 'AnnotateStoryItem', statementId: S1, headline: 'Beijing replies' })).toEqual([
      {
        type: 'StoryItemAnnotated',
        data: { storyId: STORY, statementId: S1, headline: 'Beijing replies', note: 'why' },
      },
    ]);
    expect(when(state, { type: 'AnnotateStoryItem', statementId: S1, note: '' })).toEqual([
      { type: 'StoryItemAnnotated', data: { storyId: STORY, statementId: S1 } },
    ]);
    expect(when(state, { type: 'AnnotateStoryItem', statementId: S1, note: 'why' })).toEqual([]);
  });

  it('removes a present statement; removing an absent one changes nothing', () => {
    const state = given(created, added(S1));
    expect(when(state, { type: 'RemoveStoryItem', statementId: S1 })).toEqual([
      { type: 'StoryItemRemoved', data: { storyId: STORY, statementId: S1 } },
    ]);
    expect(when(state, { type: 'RemoveStoryItem', statementId: S2 })).toEqual([]);
  });

  it('publishes a snapshot of the working copy; publishing it unchanged again changes nothing', () => {
    expect(() => when(given(created), { type: 'PublishStory' })).toThrow(/at least one statement/);
    const state = given(created, added(S1, 'why'), added(S2));
    const events = when(state, { type: 'PublishStory' });
    expect(events).toEqual([
      {
        type: 'StoryPublished',
        data: {
          storyId: STORY,
          title: 'Xinjiang',
          items: [{ statementId: S1, note: 'why' }, { statementId: S2 }],
        },
      },
    ]);
    const published = events.reduce(evolveStory, state);
    expect(when(published, { type: 'PublishStory' })).toEqual([]);
    // an edit after publishing changes the working copy, not the snapshot, until published again
    const retitled = evolveStory(published, {
      type: 'StoryRetitled',
      data: { storyId: STORY, title: 'New' },
    });
    expect(retitled.exists && retitled.published?.title).toBe('Xinjiang');
    expect(when(retitled, { type: 'PublishStory' })).toHaveLength(1);
  });

  it('retitles only to another title', () => {
    const state = given(created);
    expect(when(state, { type: 'RetitleStory', title: 'Xinjiang' })).toEqual([]);
    expect(when(state, { type: 'RetitleStory', title: 'Uyghurs' })).toEqual([
      { type: 'StoryRetitled', data: { storyId: STORY, title: 'Uyghurs' } },
    ]);
  });

  it('holds at most 200 statements', () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      added(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
    );
    expect(() => when(given(created, ...many), { type: 'AddStoryItem', statementId: S1 })).toThrow(
      /at most 200/,
    );
  });
});
