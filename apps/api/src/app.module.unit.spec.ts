import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { AppModule } from './app.module.js';
import { loadConfig } from '#runtime';

@Module({})
class ReplacementGraphQL {}

const modulesOf = (module: DynamicModule) =>
  (module.imports ?? []).map((imported) => ('module' in imported ? imported.module : imported));

describe('AppModule.forRoot', () => {
  const config = loadConfig({ COMMUNIQUE_DEMO: 'false' }, '/tmp');

  it('uses the Mercurius GraphQL module by default', () => {
    expect(modulesOf(AppModule.forRoot(config))).toContain(GraphQLModule);
  });

  it('puts a given GraphQL module in place of the default one and keeps everything else', () => {
    const replacement: DynamicModule = { module: ReplacementGraphQL };
    const standard = AppModule.forRoot(config);
    const replaced = AppModule.forRoot(config, { graphql: replacement });
    expect(modulesOf(replaced)).not.toContain(GraphQLModule);
    expect(replaced.imports).toContain(replacement);
    expect(replaced.imports).toHaveLength(standard.imports!.length);
    expect(replaced.providers).toHaveLength(standard.providers!.length);
    expect(replaced.controllers).toEqual(standard.controllers);
  });
});
