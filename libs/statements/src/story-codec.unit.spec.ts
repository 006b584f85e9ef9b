import { MalformedStoryEventError, decodeStoryEvent } from './story-codec.js';

describe('the story event codec', () => {
  it('decodes each story event and leaves other types alone', () => {
    const data = { storyId: 's', title: 'T', items: [{ statementId: 'a', note: 'n' }] };
    expect(decodeStoryEvent({ type: 'StoryPublished', data })).toEqual({ type: 'StoryPublished', data });
    expect(decodeStoryEvent({ type: 'StatementRecorded', data: {} })).toBeUndefined();
  });

  it('refuses stored data that is not the shape its type names, naming the field', () => {
    expect(() => decodeStoryEvent({ type: 'StoryCreated', data: { storyId: 's' } })).toThrow(
      MalformedStoryEventError,
    );
    expect(() =>
      decodeStoryEvent({ type: 'StoryPublished', data: { storyId: 's', title: 'T', items: [1] } }),
    ).toThrow(/items/);
    expect(() =>
      decodeStoryEvent({ type: 'StoryItemAdded', data: { storyId: 's', statementId: 'a', note: 5 } }),
    ).toThrow(/note/);
  });
});
