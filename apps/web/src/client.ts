import { Client, cacheExchange, fetchExchange } from 'urql';
import { authHeaders } from './key.js';

let starting: Client | undefined;

/** The client the app starts with, the same for the first render and the prefetch of main.tsx. */
export function startingClient(): Client {
  return (starting ??= makeClient());
}

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
