import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { jsonForScriptBlock, timelinePageHtml } from '../journalism/timeline-page.js';
import { loadSecurityConfig, parseApiKeys, type SecurityConfig } from '#runtime';
import { metricsRefusal, policyOf, readRefusal, UndecidedRouteError } from './read-doors.js';

const config = (env: Record<string, string> = {}, host = '127.0.0.1'): SecurityConfig =>
  loadSecurityConfig(env, host);
const request = (headers: Record<string, string> = {}): FastifyRequest =>
  ({ headers, ip: '127.0.0.1' }) as unknown as FastifyRequest;

describe('route policies', () => {
  it('names a route without a decision, and decides the data doors as reads', () => {
    expect(() => policyOf('/secret')).toThrow(UndecidedRouteError);
    expect(() => policyOf('/secret')).toThrow(/\/secret.*ROUTE_POLICIES/);
    expect(() => policyOf('constructor')).toThrow(UndecidedRouteError);
    expect(policyOf('/exports/timeline.csv')).toBe('read');
    expect(policyOf('/timeline')).toBe('read');
    expect(policyOf('/health/live')).toBe('probe');
    expect(policyOf('/metrics')).toBe('metrics');
  });

  it('applies the GraphQL read policy: public reads, keys, an unknown key', () => {
    const keys = 'r:reader:reader-key-0123456789ab';
    expect(parseApiKeys(keys)).toHaveLength(1);
    expect(readRefusal(request(), config({ COMMUNIQUE_API_KEYS: keys }))).toBeUndefined();
    const closed = config({ COMMUNIQUE_API_KEYS: keys, COMMUNIQUE_PUBLIC_READS: 'false' });
    expect(readRefusal(request(), closed)).toMatchObject({ status: 401, error: 'UNAUTHENTICATED' });
    expect(readRefusal(request({ authorization: 'Bearer reader-key-0123456789ab' }), closed)).toBeUndefined();
    expect(readRefusal(request({ authorization: 'Bearer nope-nope-nope-nope' }), closed)).toMatchObject({
      status: 401,
    });
    const exposed = config({ COMMUNIQUE_PUBLIC_READS: 'false' }, '0.0.0.0');
    expect(readRefusal(request(), exposed)).toMatchObject({ status: 403, requiredRole: 'reader' });
  });
});

describe('metrics policy', () => {
  it('by default: loopback and direct only', () => {
    expect(metricsRefusal(request(), config(), 'main')).toBeUndefined();
    expect(metricsRefusal(request({ 'x-forwarded-for': '1.2.3.4' }), config(), 'main')).toMatchObject({
      status: 403,
    });
    expect(metricsRefusal(request(), config({}, '0.0.0.0'), 'main')).toMatchObject({ status: 403 });
  });

  it('with a key: only that key, on either listener', () => {
    const key = 'metrics-key-0123456789';
    const withKey = config({ COMMUNIQUE_METRICS_KEY: key }, '0.0.0.0');
    expect(withKey.metrics.keySha256).toEqual(createHash('sha256').update(key).digest());
    expect(metricsRefusal(request(), withKey, 'main')).toMatchObject({ status: 401 });
    expect(metricsRefusal(request({ authorization: `Bearer ${key}` }), withKey, 'main')).toBeUndefined();
    expect(metricsRefusal(request({ authorization: `Bearer ${key}` }), withKey, 'metrics')).toBeUndefined();
    expect(metricsRefusal(request(), withKey, 'metrics')).toMatchObject({ status: 401 });
  });

  it('with a port of its own: 404 on the main listener, served on its own', () => {
    const own = config({ COMMUNIQUE_METRICS_PORT: '9464' }, '0.0.0.0');
    expect(own.metrics).toMatchObject({ port: 9464, host: '127.0.0.1' });
    expect(metricsRefusal(request(), own, 'main')).toMatchObject({ status: 404 });
    expect(metricsRefusal(request(), own, 'metrics')).toBeUndefined();
  });
});

describe('the timeline page data block', () => {
  it('escapes what could end or change a script block, and keeps the JSON the same', () => {
    const json = JSON.stringify({ t: '</script><!-- & \u2028 \u2029 >' });
    const safe = jsonForScriptBlock(json);
    expect(safe).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(safe)).toEqual(JSON.parse(json));
    const html = timelinePageHtml({ title: '<b>x</b>', query: 'country=TR', totalCount: 1, chart: '' }, [
      json,
    ]);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toContain('<h1>&lt;b&gt;x&lt;/b&gt;</h1>');
  });
});
