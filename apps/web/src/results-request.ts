import type { Client } from 'urql';
import { COUNTRY_TIMELINE, SEARCH, TOPIC_TIMELINE, type PageVariables } from './graphql.js';
import { parseRoute } from './routes.js';
import { plan } from './search-plan.js';

export const PAGE_SIZE = 20;

type Wanted = Exclude<ReturnType<typeof plan>, { kind: 'none' }>;

/**
 * Relay both ways: Next asks for the page after the last result (`after`), Previous for the one before the
 * first (`before`).
 */
export function pageVariables(wanted: Wanted, after: string, before: string): PageVariables {
  return before !== ''
    ? { filter: wanted.filter, first: null, after: null, last: PAGE_SIZE, before }
    : { filter: wanted.filter, first: PAGE_SIZE, after: after || null, last: null, before: null };
}

/**
 * Sends the result query of the page the explorer opens on while the app is still starting, with the very
 * document and variables the result list will ask (urql shares the answer): the request leaves as soon as
 * the script runs instead of after the first render.
 */
export function prefetchResults(client: Client, hash: string): void {
  const route = parseRoute(hash);
  if (route.view !== 'search') return;
  const wanted = plan(route.params);
  if (wanted.kind === 'none') return;
  const page = pageVariables(wanted, route.params.after, route.params.before);
  const sent =
    wanted.kind === 'search'
      ? client.query(SEARCH, { query: wanted.query, ...page })
      : wanted.kind === 'country'
        ? client.query(COUNTRY_TIMELINE, { country: wanted.country, ...page })
        : client.query(TOPIC_TIMELINE, { topic: wanted.topic, ...page });
  void sent.toPromise();
}
