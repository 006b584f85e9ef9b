import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { GraphQLModule, ObjectType, Field, Resolver, Query } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import Database from 'better-sqlite3';

@ObjectType()
class T {
  @Field() name!: string;
}
@Resolver(() => T)
class R {
  @Query(() => T) t(): T {
    return { name: 'x' };
  }
}
@Module({
  imports: [GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true })],
  providers: [R],
})
class M {}

describe('smoke', () => {
  it('serves graphql', async () => {
    const mod = await Test.createTestingModule({ imports: [M] }).compile();
    const app = mod.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const res = await app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url: '/graphql', payload: { query: '{ t { name } }' } });
    expect(res.json()).toEqual({ data: { t: { name: 'x' } } });
    expect(new Database(':memory:').prepare('select 1 as one').get()).toEqual({ one: 1 });
    await app.close();
  });
});
