import { gql } from 'urql';

/** What the explorer reads of a statement in a list. */
export interface StatementSummary {
  id: string;
  occurredOn: string;
  speaker: { name: string; role: string | null; country: string | null; organization: string | null };
  speakerCountry: string | null;
  targets: string[];
  mentions: string[];
  topics: string[];
  kind: string;
  cameoCode: string | null;
  goldstein: number | null;
  text: string;
  attribution: string;
  status: string;
  version: number;
  sources: { url: string; outlet: string | null }[];
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
  hasPreviousPage?: boolean;
  startCursor?: string | null;
}

export interface Connection {
  totalCount: number;
  pageInfo: PageInfo;
  edges: { cursor: string; node: StatementSummary }[];
}

const SUMMARY = `
  id occurredOn speaker { name role country organization } speakerCountry targets mentions topics
  kind cameoCode goldstein text attribution status version sources(first: 3) { url outlet }
`;

/** The variables of every result list: the filter and one page in either Relay direction. */
export interface PageVariables {
  filter: TimelineFilterInput;
  first: number | null;
  after: string | null;
  last: number | null;
  before: string | null;
}

/** A result list's query: one connection field with its own argument, the filter and the Relay page. */
const resultList = (operation: string, field: string, argument: string, type: string): string => `
  query ${operation}($${argument}: ${type}!, $filter: TimelineFilter, $first: Int, $after: String, $last: Int, $before: String) {
    ${field}(${argument}: $${argument}, filter: $filter, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
      edges { cursor node { ${SUMMARY} } }
    }
  }
`;

export const SEARCH = gql<{ searchStatements: Connection }, PageVariables & { query: string }>(
  resultList('ExplorerSearch', 'searchStatements', 'query', 'String'),
);

export const COUNTRY_TIMELINE = gql<{ countryTimeline: Connection }, PageVariables & { country: string }>(
  resultList('ExplorerCountry', 'countryTimeline', 'country', 'CountryCode'),
);

export const TOPIC_TIMELINE = gql<{ topicTimeline: Connection }, PageVariables & { topic: string }>(
  resultList('ExplorerTopic', 'topicTimeline', 'topic', 'String'),
);

export interface TimelineFilterInput {
  from?: string;
  to?: string;
  topics?: string[];
  kinds?: string[];
  roles?: string[];
  counterpart?: string;
}

export const TOPICS = gql<{ topics: { topic: string; count: number }[] }, Record<string, never>>`
  query ExplorerTopics {
    topics(first: 1000) {
      topic
      count
    }
  }
`;

export interface StatementDetail extends StatementSummary {
  language: string | null;
  location: { city: string | null; country: string | null } | null;
  recordedAt: string;
  updatedAt: string;
  /** every source (the summary's `sources` holds the first three) */
  allSources: { url: string; outlet: string | null; publishedAt: string | null; via: string | null }[];
  respondsTo: { id: string; occurredOn: string; speaker: { name: string }; text: string }[];
  responses: { id: string; occurredOn: string; speaker: { name: string }; text: string }[];
  history: { position: string; revision: number; type: string; recordedAt: string; hash: string }[];
}

export const STATEMENT = gql<{ statement: StatementDetail | null }, { id: string }>`
  query ExplorerStatement($id: ID!) {
    statement(id: $id) {
      ${SUMMARY}
      language location { city country } recordedAt updatedAt
      allSources: sources(first: 50) { url outlet publishedAt via }
      respondsTo { id occurredOn speaker { name } text }
      responses(first: 20) { id occurredOn speaker { name } text }
      history(first: 100) { position revision type recordedAt hash }
    }
  }
`;

export interface ActivityBucket {
  period: string;
  count: number;
  byKind: { kind: string; count: number }[];
  meanGoldstein: number | null;
}

export interface CountryRelation {
  counterpart: string;
  outgoing: number;
  incoming: number;
  byKind: { kind: string; count: number }[];
  meanGoldstein: number | null;
}

export const DASHBOARD = gql<
  { activity: ActivityBucket[]; relations: CountryRelation[] },
  { country: string; interval: 'MONTH' | 'YEAR' }
>`
  query ExplorerDashboard($country: CountryCode!, $interval: Interval) {
    activity(country: $country, interval: $interval) {
      period
      count
      byKind {
        kind
        count
      }
      meanGoldstein
    }
    relations(country: $country) {
      counterpart
      outgoing
      incoming
      byKind {
        kind
        count
      }
      meanGoldstein
    }
  }
`;

export interface StatementResult {
  statement: { id: string; version: number };
  version: number;
  position: string;
}

export const RECORD = gql<{ recordStatement: StatementResult }, { input: Record<string, unknown> }>`
  mutation ExplorerRecord($input: RecordStatementInput!) {
    recordStatement(input: $input) {
      statement {
        id
        version
      }
      version
      position
    }
  }
`;

export const CORRECT = gql<
  { correctStatement: StatementResult },
  { id: string; expectedVersion: number; input: Record<string, unknown> }
>`
  mutation ExplorerCorrect($id: ID!, $expectedVersion: Int, $input: CorrectStatementInput!) {
    correctStatement(id: $id, expectedVersion: $expectedVersion, input: $input) {
      statement {
        id
        version
      }
      version
      position
    }
  }
`;

export const KINDS = [
  'STATEMENT',
  'APPEAL',
  'INTENT_TO_COOPERATE',
  'CONSULT',
  'DIPLOMATIC_COOPERATION',
  'DEMAND',
  'DISAPPROVE',
  'REJECT',
  'THREATEN',
  'PROTEST',
  'OTHER',
] as const;

export const ATTRIBUTIONS = ['DIRECT_QUOTE', 'PARAPHRASE', 'READOUT', 'SUMMARY'] as const;
export const ROLES = ['SPEAKER', 'TARGET', 'MENTIONED'] as const;

/** `INTENT_TO_COOPERATE` -> `intent to cooperate` */
export const words = (constant: string): string => constant.toLowerCase().replaceAll('_', ' ');

export const STATEMENT_SUMMARY = gql<{ statement: StatementSummary | null }, { id: string }>`
  query ExplorerStatementSummary($id: ID!) {
    statement(id: $id) { ${SUMMARY} }
  }
`;
