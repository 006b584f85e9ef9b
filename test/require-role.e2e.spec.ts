import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { PubSub } from 'mercurius';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../apps/api/src/app.module.js';
import { loadConfig } from '#runtime';
import { RequireRole } from '../apps/api/src/security/access.js';
import { PROTOCOLS, WsClient, type Protocol } from './support/ws-client.js';

/** A field of this test only, marked as the audit feed will be: it needs the auditor role. */
@Resolver()
class AuditProbeResolver {
  @Query(() => String)
  @RequireRole('auditor')
  auditProbe(): string {
    return 'audited';
  }

  @Subscription(() => String)
  @RequireRole('auditor')
  auditProbeChanged(@Context('pubsub') pubsub: PubSub) {
    return pubsub.subscribe('AUDIT_PROBE');
  }
}

const KEYS = {
  editor: 'editor-key-for-the-role-test',
  auditor: 'auditor-key-for-the-role-test',
  admin: 'admin-key-for-the-role-test',
};

describe('@RequireRole on a query field', () => {
  let app: NestFastifyApplication;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'communique-role-'));
    process.env.COMMUNIQUE_LOG ??= 'silent';
    const config = loadConfig({
      COMMUNIQUE_DEMO: 'false',
      COMMUNIQUE_DATA_DIR: dir,
      COMMUNIQUE_API_KEYS: Object.entries(KEYS)
        .map(([role, key]) => `${role}-holder:${role}:${key}`)
        .join(','),
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config)],
      providers: [AuditProbeResolver],
    })
      .setLogger({ log() {}, error() {}, warn() {} })
      .compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (key?: string) => {
    const response = await app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/graphql',
        payload: { query: '{ auditProbe }' },
        headers: key ? { authorization: `Bearer ${key}` } : {},
      });
    return response.json() as {
      data?: { auditProbe: string } | null;
      errors?: { message: string; extensions: { code: string } }[];
    };
  };

  it('refuses without a key (UNAUTHENTICATED) and below auditor (FORBIDDEN), even though reads are public', async () => {
    const anonymous = await ask();
    expect(anonymous.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(anonymous.errors?.[0].message).toMatch(/role auditor or higher/);
    const editor = await ask(KEYS.editor);
    expect(editor.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(editor.errors?.[0].message).toMatch(/has role editor; this needs auditor/);
  });

  it('answers an auditor and an admin', async () => {
    expect((await ask(KEYS.auditor)).data).toEqual({ auditProbe: 'audited' });
    expect((await ask(KEYS.admin)).data).toEqual({ auditProbe: 'audited' });
  });

  it.each(Object.keys(PROTOCOLS) as Protocol[])(
    'refuses a marked subscription below auditor with FORBIDDEN over %s, not a TypeError',
    async (protocol) => {
      if (!app.getHttpServer().listening) await app.listen(0, '127.0.0.1');
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const client = await WsClient.connect(url, protocol, {
        init: { authorization: `Bearer ${KEYS.editor}` },
      });
      client.subscribe('probe', 'subscription { auditProbeChanged }');
      const [error] = await client.errorsOf('probe');
      expect(error.extensions?.code).toBe('FORBIDDEN');
      expect(error.message).toMatch(/has role editor; this needs auditor/);
      client.close();
    },
  );
});
