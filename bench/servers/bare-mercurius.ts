/**
 * The GraphQL ceiling of this stack: Fastify and Mercurius, with graphql-jit from a document's second use (as
 * the app runs), answering the timeline query straight from the same read model, with a hand-written schema of
 * just the types the query touches and no Nest, pipes, loaders, gate or answer cache.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import type { ReadModel, StatementView, TimelineEdge } from '#read-model';

const SCHEMA = `
  scalar CountryCode
  scalar PartialDate
  scalar DateTime
  enum CountryRole { SPEAKER TARGET MENTIONED }
  type Actor { name: String!  role: String  country: CountryCode  organization: String }
  type Source { url: String!  outlet: String  publishedAt: DateTime  via: String }
  type Statement {
    id: ID!  occurredOn: PartialDate!  speaker: Actor!  speakerCountry: CountryCode  targets: [CountryCode!]!
    mentions: [CountryCode!]!  topics: [String!]!  kind: String!  cameoCode: String  goldstein: Float
    text: String!  attribution: String!  language: String  sources: [Source!]!  status: String!
    version: Int!  recordedAt: DateTime!  updatedAt: DateTime!
  }
  type StatementEdge { cursor: String!  node: Statement!  roles: [CountryRole!]! }
  type PageInfo { hasNextPage: Boolean!  endCursor: String }
  type StatementConnection { edges: [StatementEdge!]!  pageInfo: PageInfo!  totalCount: Int! }
  type Query { countryTimeline(country: CountryCode!, first: Int = 50, after: String): StatementConnection! }
`;

interface Connection {
  edges: { cursor: string; node: StatementView; roles: TimelineEdge['roles'] }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export async function bareMercurius(readModel: ReadModel): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 1024 * 1024 });
  await app.register(mercurius, {
    schema: SCHEMA,
    path: '/graphql',
    jit: 1,
    resolvers: {
      Query: {
        countryTimeline: (
          _root: unknown,
          args: { country: string; first: number; after?: string | null },
        ): Connection => {
          const page = readModel.countryTimeline(args.country, {
            first: args.first,
            after: args.after ?? undefined,
            order: 'ASC',
          });
          return {
            edges: page.edges,
            pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
            totalCount: page.totalCount,
          };
        },
      },
    },
  });
  return app;
}
