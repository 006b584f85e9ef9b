import type { FastifyInstance } from 'fastify';
import { RECORD, TestApi, statementInput } from './support/api.js';

/** One sample of a Prometheus text exposition: the value of `name{labels...}` (labels in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('operations: metrics, probes, request ids', () => {
  let api: TestApi;
  let http: FastifyInstance;
  beforeEach(async () => {
    api = await TestApi.start();
    http = api.app.getHttpAdapter().getInstance() as FastifyInstance;
  });
  afterEach(() => api.stop());

  const metrics = async () => {
    const response = await http.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.body;
  };

  it('/health/live and /health/ready answer 200 when caught up; /health keeps its shape', async () => {
    const live = await http.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
    const ready = await http.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', lag: 0, maxLag: 100 });
    const health = await http.inject({ method: 'GET', url: '/health' });
    expect(health.json()).toMatchObject({ status: 'ok', projections: [{ name: 'statements' }] });
  });

  it('counts GraphQL operations by name and outcome, appends, and request latency by route', async () => {
    const recorded = await api.gql(
      `mutation Record($input: RecordStatementInput!) { recordStatement(input: $input) { position } }`,
      { input: statementInput() },
    );
    expect(recorded.errors).toBeUndefined();
    const refused = await api.gql(RECORD, { input: statementInput({ targets: ['XX'] }) });
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await api.ok('query Timeline { countryTimeline(country: "TR") { totalCount } }');

    const text = await metrics();
    const ops = 'communique_graphql_operations_total';
    expect(sample(text, ops, { operation: 'Record', type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(sample(text, ops, { operation: 'anonymous', type: 'mutation', outcome: 'BAD_USER_INPUT' })).toBe(
      1,
    );
    expect(sample(text, ops, { operation: 'Timeline', type: 'query', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'communique_event_store_appends_total', { outcome: 'ok' })).toBe(1);
    expect(sample(text, 'communique_event_store_appended_events_total')).toBe(1);
    expect(
      sample(text, 'communique_http_request_duration_seconds_count', {
        route: '/graphql',
        method: 'POST',
        status: '200',
      }),
    ).toBe(3);
    const position = Number(
      (recorded.data as { recordStatement: { position: string } }).recordStatement.position,
    );
    expect(sample(text, 'communique_projection_checkpoint')).toBe(position);
    expect(sample(text, 'communique_event_store_head')).toBe(position);
    expect(sample(text, 'communique_projection_lag_events')).toBe(0);
    expect(sample(text, 'communique_projection_applied_events_total')).toBe(1);
    expect(sample(text, 'communique_projection_events_per_second')).toBeGreaterThan(0);
  });

  it("echoes the caller's x-request-id, or gives a new one", async () => {
    const given = await http.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'req-42' },
    });
    expect(given.headers['x-request-id']).toBe('req-42');
    const fresh = await http.inject({ method: 'GET', url: '/health/live' });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
