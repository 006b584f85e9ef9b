import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { sendFileFrom } from './static-files.js';

const require = createRequire(import.meta.url);
const folderOf = (pkg: string): string => dirname(require.resolve(`${pkg}/package.json`));

/**
 * The installed files GraphiQL's page loads, by the name the page asks for: GraphiQL's UMD build and the React
 * UMD builds it runs on (the versions package.json pins), nothing from a CDN.
 */
const GRAPHIQL_FILES: Readonly<Record<string, { folder: string; file: string }>> = {
  'react.production.min.js': { folder: folderOf('react'), file: 'umd/react.production.min.js' },
  'react-dom.production.min.js': { folder: folderOf('react-dom'), file: 'umd/react-dom.production.min.js' },
  'graphiql.min.js': { folder: folderOf('graphiql'), file: 'graphiql.min.js' },
  'graphiql.min.css': { folder: folderOf('graphiql'), file: 'graphiql.min.css' },
};

/** GraphiQL sets inline styles (CodeMirror, its resizable panes) and embeds its icons and fonts as data: URLs. */
export const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · Communiqué</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/graphiql/assets/graphiql.min.css">
<link rel="stylesheet" href="/graphiql/assets/page.css">
</head>
<body>
<div id="graphiql" role="main">Loading GraphiQL…</div>
<script src="/graphiql/assets/react.production.min.js"></script>
<script src="/graphiql/assets/react-dom.production.min.js"></script>
<script src="/graphiql/assets/graphiql.min.js"></script>
<script src="/graphiql/assets/start.js"></script>
</body>
</html>
`;

/** Starts GraphiQL on this origin's /graphql; a key pasted in the explorer (sessionStorage) goes along. */
const START_SCRIPT = `'use strict';
(function () {
  var key = null;
  try { key = window.sessionStorage.getItem('communique.apiKey'); } catch (e) { key = null; }
  var headers = key ? JSON.stringify({ authorization: 'Bearer ' + key }, null, 2) : undefined;
  var fetcher = function (params, options) {
    var extra = (options && options.headers) || {};
    var sent = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    Object.keys(extra).forEach(function (name) { sent[name] = extra[name]; });
    return fetch('/graphql', { method: 'POST', headers: sent, body: JSON.stringify(params) })
      .then(function (response) { return response.json(); });
  };
  var root = window.ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(window.React.createElement(window.GraphiQL, {
    fetcher: fetcher,
    defaultHeaders: headers,
    shouldPersistHeaders: false,
    defaultQuery: '# Communiqué: statements, timelines, history. Ctrl-Enter runs a query.\\n' +
      '{\\n  searchStatements(query: "Xinjiang", first: 5) {\\n    totalCount\\n    edges { node { id occurredOn speaker { name } text } }\\n  }\\n}\\n'
  }));
})();
`;

const PAGE_CSS = `html, body, #graphiql { height: 100%; margin: 0; }\n`;

/**
 * `GET /graphiql`: GraphiQL served from this service's own installed packages (not Mercurius's page, which
 * loads React and GraphiQL from unpkg and is blank offline). Registered outside production only, like the old
 * page; all its routes follow the read policy, as before.
 */
@Controller('graphiql')
export class GraphiqlController {
  @Get()
  page(@Res() reply: FastifyReply): FastifyReply {
    return this.secured(reply)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(PAGE);
  }

  @Get('assets/*')
  asset(@Param('*') name: string, @Res() reply: FastifyReply): FastifyReply {
    this.secured(reply);
    if (name === 'start.js') return reply.type('text/javascript; charset=utf-8').send(START_SCRIPT);
    if (name === 'page.css') return reply.type('text/css; charset=utf-8').send(PAGE_CSS);
    const entry = Object.hasOwn(GRAPHIQL_FILES, name) ? GRAPHIQL_FILES[name] : undefined;
    if (entry === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    return sendFileFrom(reply, entry.folder, entry.file, 'revalidate');
  }

  private secured(reply: FastifyReply): FastifyReply {
    return reply
      .header('content-security-policy', GRAPHIQL_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');
  }
}
