/**
 * The app's GraphQL module on Nest's Apollo driver (Apollo Server 5 on Fastify), for the comparison with the
 * Mercurius driver the app ships with. Passed to `AppModule.forRoot(config, { graphql })`; production code never
 * imports Apollo.
 */
import { randomUUID } from 'node:crypto';
import type { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { ReadModel } from '#read-model';
import { StatementLoaders, type GraphQLContext } from '../../apps/api/src/graphql/statement-loaders.js';

export function apolloGraphQLModule(): DynamicModule {
  return GraphQLModule.forRootAsync<ApolloDriverConfig>({
    driver: ApolloDriver,
    inject: [ReadModel],
    useFactory: (readModel: ReadModel) => ({
      autoSchemaFile: true,
      path: '/graphql',
      context: (): GraphQLContext => ({
        loaders: new StatementLoaders(readModel),
        requestId: randomUUID(),
        principal: 'anonymous',
      }),
    }),
  });
}
