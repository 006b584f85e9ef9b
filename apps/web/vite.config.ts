import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * The explorer's build: `npm run build` runs it after the server's tsc, into dist/web, which the service
 * serves at `/` (apps/api/src/explorer). JSX goes through Vite's own oxc transform (no React plugin: it
 * would bring a Babel that conflicts with Jest's); no CDN, no network at build or run time.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  resolve: {
    alias: { '#reference': here('../../libs/reference/src/index.ts') },
  },
  build: {
    outDir: here('../../dist/web'),
    emptyOutDir: true,
    assetsDir: 'explorer',
    sourcemap: true,
    chunkSizeWarningLimit: 1000,
  },
});
