import type { AppConfig } from './app-config.js';

/**
 * What the API's entry module (`apps/api/src/main.ts`) exports for a process that starts the service
 * (`communique serve`). The CLI does not import the API's source: it loads the built entry file at run time
 * by its path and checks this shape, so the two apps stay separate packages of code that meet only here.
 */
export interface ApiEntry {
  /** starts the API listening on `config.host:config.port`; resolves once it listens */
  startServer(config: AppConfig): Promise<unknown>;
}

/** The module at `url` as an `ApiEntry`, or an error naming what it lacks. */
export async function loadApiEntry(url: URL): Promise<ApiEntry> {
  const loaded = (await import(url.href)) as Partial<ApiEntry>;
  if (typeof loaded.startServer !== 'function') {
    throw new Error(`${url.pathname} is not the API's entry module: it exports no startServer function`);
  }
  return loaded as ApiEntry;
}
