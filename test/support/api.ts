import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type AppConfig } from '#runtime';
import { createApp } from '../../apps/api/src/main.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

/** An API application on a fresh temporary data folder, driven in-process through Fastify's inject. */
export class TestApi {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly config: AppConfig,
    private readonly ownsDir: boolean,
  ) {}

  static async start(env: Record<string, string> = {}, dataDir?: string): Promise<TestApi> {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'communique-e2e-'));
    const config = loadConfig({ COMMUNIQUE_DEMO: 'false', COMMUNIQUE_DATA_DIR: dir, ...env });
    process.env.COMMUNIQUE_LOG ??= 'silent';
    const app = await createApp(config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return new TestApi(app, config, dataDir === undefined);
  }

  async gql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await this.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url: '/graphql', payload: { query, variables }, headers });
    return response.json() as GraphQLResponse<T>;
  }

  /** The data of a query that must succeed; fails the test with the errors otherwise. */
  async ok<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await this.gql<T>(query, variables);
    if (response.errors?.length || !response.data) {
      throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
    }
    return response.data;
  }

  async stop(): Promise<void> {
    await this.app.close();
    if (this.ownsDir) rmSync(this.config.dataDir, { recursive: true, force: true });
  }
}

/** A statement input that passes validation; override what a test cares about. */
export function statementInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    occurredOn: '2020-01-15',
    speaker: { name: 'Test Speaker', role: 'Foreign Minister', country: 'CN' },
    targets: ['TR'],
    topics: ['testing'],
    kind: 'STATEMENT',
    text: 'A statement made for a test.',
    attribution: 'PARAPHRASE',
    sources: [{ url: 'https://example.org/news/1', outlet: 'Example' }],
    ...overrides,
  };
}

export const STATEMENT_FIELDS = `id occurredOn text status version kind goldstein speakerCountry targets mentions topics
  speaker { name role country } sources { url outlet }`;

export const RECORD = `mutation($input: RecordStatementInput!) {
  recordStatement(input: $input) { version position statement { ${STATEMENT_FIELDS} } }
}`;
