import { Client, cacheExchange, fetchExchange } from 'urql';
import { authHeaders } from './key.js';

/** One urql client on this origin's /graphql; the key is read at every request, so pasting one takes effect at once. */
export function makeClient(): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: authHeaders() }),
  });
}
