import Fastify, { type FastifyInstance } from 'fastify';
import { metricsRefusal } from '../security/read-doors.js';
import type { SecurityConfig } from '#runtime';
import type { Metrics } from './metrics.js';

/**
 * `/metrics` on a listener of its own (`COMMUNIQUE_METRICS_PORT` at `COMMUNIQUE_METRICS_HOST`, 127.0.0.1 by
 * default), as Prometheus exporters usually run: the scrape port is kept off the public one. It serves only
 * `GET /metrics`; with `COMMUNIQUE_METRICS_KEY` set a scrape must send that key here too.
 */
export async function startMetricsListener(
  metrics: Metrics,
  config: SecurityConfig,
): Promise<FastifyInstance | undefined> {
  const { port, host } = config.metrics;
  if (port === undefined) return undefined;
  const server = Fastify({ logger: false });
  server.get('/metrics', async (request, reply) => {
    const refusal = metricsRefusal(request, config, 'metrics');
    if (refusal !== undefined) {
      const { status, ...body } = refusal;
      if (status === 401) void reply.header('www-authenticate', 'Bearer realm="communique-metrics"');
      return reply.code(status).type('application/json; charset=utf-8').send(body);
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  await server.listen({ port, host });
  return server;
}
