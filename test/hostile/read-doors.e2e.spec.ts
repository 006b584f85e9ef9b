import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '#runtime';
import { createApp } from '../../apps/api/src/main.js';
import { ROUTE_POLICIES, UndecidedRouteError } from '../../apps/api/src/security/read-doors.js';
import { RECORD, TestApi, statementInput } from '../support/api.js';
import { ServerProcess, eventually, freePort } from '../support/server-process.js';

const READER_KEY = 'reader-key-for-the-read-doors';
const EDITOR_KEY = 'editor-key-for-the-read-doors';
const KEYS = `rhea:reader:${READER_KEY},ed:editor:${EDITOR_KEY}`;
const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** Every door that serves data (or GraphiQL), each in a second spelling that Fastify routes to it too. */
const READ_DOORS = [
  '/exports/timeline.csv?country=TR',
  '/exports/timeline.json?country=TR',
  '/exports/timeline.timelinejs.json?country=TR',
  '/timeline?country=TR',
  '/graphiql',
  '/%65xports/timeline.csv?country=TR',
  '/exports/timeline%2Ejson?country=TR',
  '/%74imeline?country=TR',
  '/audit/tree-heads',
  '/audit/consistency?from=1&to=1',
  '/audit/proof?position=1&treeSize=1',
];

/** Spellings Fastify may or may not route to a door: whichever it does, no data without a key. */
const ODD_SPELLINGS = [
  '//timeline?country=TR',
  '/timeline/?country=TR',
  '/TIMELINE?country=TR',
  '/exports/./timeline.csv?country=TR',
  '/exports/timeline.csv;x?country=TR',
  'http://evil.example/exports/timeline.csv?country=TR',
];

/** The routes Fastify registers while the app starts, as `METHOD url`. */
async function registeredRoutes(env: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'communique-routes-'));
  process.env.COMMUNIQUE_LOG ??= 'silent';
  const app = await createApp(loadConfig({ COMMUNIQUE_DEMO: 'false', COMMUNIQUE_DATA_DIR: dir, ...env }));
  const routes: string[] = [];
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
    });
  await app.init();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  return routes;
}

describe('every route has an access decision', () => {
  it.each([
    ['development', {}],
    ['production', { NODE_ENV: 'production' }],
  ])('in %s, every route Fastify registers is in ROUTE_POLICIES', async (_mode, env) => {
    const routes = await registeredRoutes(env);
    expect(routes.length).toBeGreaterThan(10);
    const undecided = routes.filter((route) => !Object.hasOwn(ROUTE_POLICIES, route.split(' ')[1] ?? ''));
    expect(undecided).toEqual([]);
    // the probes are public, the data doors follow the read policy
    expect(ROUTE_POLICIES['/health/live']).toBe('probe');
    for (const route of routes.filter((r) => /^GET \/(exports|timeline$|graphiql|audit\/)/.test(r))) {
      expect([route, ROUTE_POLICIES[route.split(' ')[1] ?? '']]).toEqual([route, 'read']);
    }
  });

  it('a route added without a decision stops the app from starting, naming the route', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'communique-routes-'));
    const app: NestFastifyApplication = await createApp(
      loadConfig({ COMMUNIQUE_DEMO: 'false', COMMUNIQUE_DATA_DIR: dir }),
    );
    const fastify = app.getHttpAdapter().getInstance();
    expect(() => fastify.get('/secret-report', async () => 'data')).toThrow(UndecidedRouteError);
    expect(() => fastify.get('/secret-report', async () => 'data')).toThrow(/\/secret-report/);
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('COMMUNIQUE_PUBLIC_READS=false guards every read door', () => {
  let api: TestApi;
  const get = (url: string, headers: Record<string, string> = {}) =>
    api.app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers });

  afterEach(async () => {
    await api.stop();
  });

  it.each([
    ['development', {}],
    ['production', { NODE_ENV: 'production' }],
  ])(
    'in %s: no key is UNAUTHENTICATED (401), an unknown key too, a reader key opens every door',
    async (mode, env) => {
      api = await TestApi.start({
        COMMUNIQUE_API_KEYS: KEYS,
        COMMUNIQUE_PUBLIC_READS: 'false',
        ...env,
      });
      const recorded = await api.gql(RECORD, { input: statementInput() }, bearer(EDITOR_KEY));
      expect(recorded.errors).toBeUndefined();
      const doors = READ_DOORS.filter((door) => mode === 'development' || !door.includes('graphiql'));
      for (const door of doors) {
        const anonymous = await get(door);
        expect([door, anonymous.statusCode]).toEqual([door, 401]);
        expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(anonymous.body).toContain('UNAUTHENTICATED');
        expect(anonymous.body).not.toContain('Test Speaker');
        const unknown = await get(door, bearer('a-key-nobody-configured-here'));
        expect([door, unknown.statusCode]).toEqual([door, 401]);
        expect(unknown.body).toContain('not known');
        const reader = await get(door, bearer(READER_KEY));
        expect([door, reader.statusCode]).toEqual([door, 200]);
      }
      for (const door of ODD_SPELLINGS) {
        const anonymous = await get(door);
        expect([door, anonymous.statusCode === 200]).toEqual([door, false]);
        expect(anonymous.body).not.toContain('Test Speaker');
      }
      // the data itself, through the key
      const csv = await get('/exports/timeline.csv?country=TR', bearer(READER_KEY));
      expect(csv.body).toContain('Test Speaker');
      const page = await get('/timeline?country=TR', bearer(READER_KEY));
      expect(page.body).toContain('Test Speaker');
      // a JSON door answers JSON, the page a page
      const json = await get('/exports/timeline.json?country=TR');
      expect(json.json()).toMatchObject({ error: 'UNAUTHENTICATED' });
      expect((await get('/timeline?country=TR')).headers['content-type']).toMatch(/^text\/html/);
      // the probes and the page's own code stay public
      expect((await get('/health/live')).statusCode).toBe(200);
      expect((await get('/health/ready')).statusCode).toBe(200);
      expect((await get('/assets/timeline-page.js')).statusCode).toBe(200);
      if (mode === 'production') expect((await get('/graphiql')).statusCode).toBe(404);
    },
  );

  it('without keys on a non-loopback address, reads that need a key are FORBIDDEN (403), saying why', async () => {
    api = await TestApi.start({ COMMUNIQUE_PUBLIC_READS: 'false', HOST: '0.0.0.0' });
    const refused = await get('/exports/timeline.json?country=TR');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'FORBIDDEN', requiredRole: 'reader' });
  });

  it('with public reads (the default) the doors answer without a key, but a wrong key is still refused', async () => {
    api = await TestApi.start({ COMMUNIQUE_API_KEYS: KEYS });
    expect((await get('/exports/timeline.csv?country=TR')).statusCode).toBe(200);
    expect((await get('/timeline?country=TR')).statusCode).toBe(200);
    expect(
      (await get('/exports/timeline.csv?country=TR', bearer('not-a-key-of-ours-at-all'))).statusCode,
    ).toBe(401);
  });
});

describe('the REST doors share GraphQL rate limit', () => {
  let api: TestApi;
  afterEach(async () => {
    await api.stop();
  });

  it('a client over its budget gets 429 with Retry-After on every door, keyed like GraphQL', async () => {
    api = await TestApi.start({
      COMMUNIQUE_API_KEYS: KEYS,
      COMMUNIQUE_RATE_LIMIT_BURST: '4',
      COMMUNIQUE_RATE_LIMIT_PER_SECOND: '1',
    });
    const fastify = api.app.getHttpAdapter().getInstance();
    const get = (url: string, headers: Record<string, string> = {}) =>
      fastify.inject({ method: 'GET', url, headers });
    // two GraphQL requests and two REST requests use up one address's bucket of 4
    expect((await api.gql('{ topics { topic } }')).errors).toBeUndefined();
    expect((await api.gql('{ topics { topic } }')).errors).toBeUndefined();
    expect((await get('/exports/timeline.csv?country=TR')).statusCode).toBe(200);
    expect((await get('/%74imeline?country=TR')).statusCode).toBe(200);
    // the bucket refills at 1 token/s, so on a slow machine a door may get one more token before it is refused
    for (const door of ['/exports/timeline.json?country=TR', '/timeline?country=TR', '/graphiql']) {
      let limited = await get(door);
      for (let i = 0; i < 5 && limited.statusCode === 200; i++) limited = await get(door);
      expect([door, limited.statusCode]).toEqual([door, 429]);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.body).toContain('RATE_LIMITED');
    }
    let gql = await api.gql('{ topics { topic } }');
    for (let i = 0; i < 5 && gql.errors === undefined; i++) gql = await api.gql('{ topics { topic } }');
    expect(gql.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // a key has a bucket of its own; the liveness probe is never limited
    expect((await get('/exports/timeline.csv?country=TR', bearer(READER_KEY))).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) expect((await get('/health/live')).statusCode).toBe(200);
  });
});

describe('/metrics', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });
  const scrape = (headers: Record<string, string> = {}) =>
    api!.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/metrics', headers });

  it('by default: served to a direct client of a loopback listener only, not through a proxy', async () => {
    api = await TestApi.start();
    const direct = await scrape();
    expect(direct.statusCode).toBe(200);
    expect(direct.body).toContain('communique_http_request_duration_seconds');
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const proxied = await scrape({ [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' });
      expect([header, proxied.statusCode]).toEqual([header, 403]);
      expect(proxied.body).toContain('COMMUNIQUE_METRICS_KEY');
    }
  });

  it('by default on a non-loopback address: FORBIDDEN, naming the two ways to serve it', async () => {
    api = await TestApi.start({ HOST: '0.0.0.0' });
    const refused = await scrape();
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'FORBIDDEN' });
    expect(refused.body).toMatch(/COMMUNIQUE_METRICS_KEY.*COMMUNIQUE_METRICS_PORT/);
    expect(refused.body).not.toContain('communique_');
  });

  it('with COMMUNIQUE_METRICS_KEY: only a scrape with that bearer key (not an API key) is answered', async () => {
    const metricsKey = 'metrics-key-0123456789abcdef';
    api = await TestApi.start({
      HOST: '0.0.0.0',
      COMMUNIQUE_API_KEYS: KEYS,
      COMMUNIQUE_METRICS_KEY: metricsKey,
    });
    expect((await scrape()).statusCode).toBe(401);
    expect((await scrape(bearer(READER_KEY))).statusCode).toBe(401);
    expect((await scrape(bearer(`${metricsKey}x`))).statusCode).toBe(401);
    const ok = await scrape(bearer(metricsKey));
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('communique_');
  });

  it('a metrics key shorter than 16 characters stops the service at start-up', () => {
    expect(() => loadConfig({ COMMUNIQUE_METRICS_KEY: 'short' })).toThrow(/COMMUNIQUE_METRICS_KEY/);
    expect(() => loadConfig({ COMMUNIQUE_METRICS_PORT: '70000' })).toThrow(/COMMUNIQUE_METRICS_PORT/);
    expect(() => loadConfig({ COMMUNIQUE_METRICS_HOST: '0.0.0.0' })).toThrow(/COMMUNIQUE_METRICS_PORT/);
  });

  it('with COMMUNIQUE_METRICS_PORT: served on its own loopback listener, 404 on the main one', async () => {
    const metricsPort = await freePort();
    const server = await ServerProcess.start({
      COMMUNIQUE_DATA_DIR: mkdtempSync(join(tmpdir(), 'communique-metrics-')),
      COMMUNIQUE_LOG: 'silent',
      COMMUNIQUE_METRICS_PORT: String(metricsPort),
    });
    try {
      const main = await fetch(`${server.url}/metrics`);
      expect(main.status).toBe(404);
      expect(await main.text()).toContain('COMMUNIQUE_METRICS_PORT');
      const own = await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
        return response.ok ? response.text() : undefined;
      });
      expect(own).toContain('communique_http_request_duration_seconds');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/graphql`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
