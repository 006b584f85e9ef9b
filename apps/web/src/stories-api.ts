import { gql } from 'urql';
import type { StatementSummary } from './graphql.js';

/** The stories API (DESIGN §11, stories): names as the service defines them. */
export interface StoryChange {
  kind: string;
  position: string;
  recordedAt: string;
  reason: string | null;
  fields: string[];
  sourceUrl: string | null;
}

export interface StoryItem {
  statementId: string;
  headline: string | null;
  note: string | null;
  published: StatementSummary | null;
  current: StatementSummary | null;
  changes: StoryChange[];
}

export interface Story {
  id: string;
  title: string;
  summary: string | null;
  status: 'DRAFT' | 'PUBLISHED';
  version: number;
  publishedPosition: string | null;
  publishedAt: string | null;
  embedHtml: string | null;
  items: StoryItem[];
  draft: {
    title: string;
    summary: string | null;
    hasUnpublishedChanges: boolean;
    items: { statementId: string; headline: string | null; note: string | null }[];
  } | null;
}

const STATEMENT_FIELDS = `
  id occurredOn speaker { name role country organization } speakerCountry targets mentions topics
  kind cameoCode goldstein text attribution status version sources(first: 3) { url outlet }
`;

export const STORY = gql<{ story: Story | null }, { id: string }>`
  query ExplorerStory($id: ID!) {
    story(id: $id) {
      id title summary status version publishedPosition publishedAt embedHtml
      items {
        statementId headline note
        published { ${STATEMENT_FIELDS} }
        current { ${STATEMENT_FIELDS} }
        changes { kind position recordedAt reason fields sourceUrl }
      }
      draft { title summary hasUnpublishedChanges items { statementId headline note } }
    }
  }
`;

export interface StoryListItem {
  id: string;
  title: string;
  status: 'DRAFT' | 'PUBLISHED';
  version: number;
  publishedAt: string | null;
}

export const STORIES = gql<
  { stories: { totalCount: number; edges: { node: StoryListItem }[] } },
  { first: number }
>`
  query ExplorerStories($first: Int) {
    stories(first: $first) {
      totalCount
      edges {
        node {
          id
          title
          status
          version
          publishedAt
        }
      }
    }
  }
`;

const RESULT = 'story { id title status version } position';

export const CREATE_STORY = gql<
  { createStory: { story: StoryListItem; position: string } },
  { title: string; summary: string | null }
>`
  mutation ExplorerCreateStory($title: String!, $summary: String) {
    createStory(input: { title: $title, summary: $summary }) { ${RESULT} }
  }
`;

export const ADD_STORY_ITEM = gql<
  { addStoryItem: { story: StoryListItem; position: string } },
  { storyId: string; statementId: string; headline: string | null; note: string | null }
>`
  mutation ExplorerAddStoryItem($storyId: ID!, $statementId: ID!, $headline: String, $note: String) {
    addStoryItem(storyId: $storyId, statementId: $statementId, headline: $headline, note: $note) { ${RESULT} }
  }
`;

export const ANNOTATE_STORY_ITEM = gql<
  { annotateStoryItem: { story: StoryListItem; position: string } },
  { storyId: string; statementId: string; headline: string; note: string }
>`
  mutation ExplorerAnnotateStoryItem($storyId: ID!, $statementId: ID!, $headline: String, $note: String) {
    annotateStoryItem(storyId: $storyId, statementId: $statementId, headline: $headline, note: $note) { ${RESULT} }
  }
`;

export const REMOVE_STORY_ITEM = gql<
  { removeStoryItem: { story: StoryListItem; position: string } },
  { storyId: string; statementId: string }
>`
  mutation ExplorerRemoveStoryItem($storyId: ID!, $statementId: ID!) {
    removeStoryItem(storyId: $storyId, statementId: $statementId) { ${RESULT} }
  }
`;

export const RETITLE_STORY = gql<
  { retitleStory: { story: StoryListItem; position: string } },
  { storyId: string; title: string }
>`
  mutation ExplorerRetitleStory($storyId: ID!, $title: String!) {
    retitleStory(storyId: $storyId, title: $title) { ${RESULT} }
  }
`;

export const PUBLISH_STORY = gql<
  { publishStory: { story: StoryListItem; position: string } },
  { storyId: string }
>`
  mutation ExplorerPublishStory($storyId: ID!) {
    publishStory(storyId: $storyId) { ${RESULT} }
  }
`;
