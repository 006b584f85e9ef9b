import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { projectRoot, sendFileFrom } from './static-files.js';

/** Where `npm run build` puts the explorer (apps/web, built by Vite). */
export const EXPLORER_DIST = join(projectRoot(import.meta.dirname), 'dist', 'web');

/**
 * The explorer's policy: its own code only (no inline script, no other origin), GraphQL and its WebSocket on
 * this origin, and not framed by other sites (it holds a pasted API key in sessionStorage).
 */
export const EXPLORER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /`: the explorer (a single page; its views are in the URL's fragment, so the service needs no
 * catch-all route) and `GET /explorer/*`: its content-hashed build files. Both are code, not data: the app reads
 * everything through `/graphql`, whose gate applies as for any client.
 */
@Controller()
export class ExplorerController {
  @Get()
  index(@Res() reply: FastifyReply): FastifyReply {
    let html: string;
    try {
      html = readFileSync(join(EXPLORER_DIST, 'index.html'), 'utf8');
    } catch {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The explorer is not built here: run `npm run build` (it builds apps/web into dist/web).');
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', EXPLORER_CSP)
      .header('referrer-policy', 'no-referrer')
      .send(html);
  }

  @Get('explorer/*')
  asset(@Param('*') path: string, @Res() reply: FastifyReply): FastifyReply {
    return sendFileFrom(reply, join(EXPLORER_DIST, 'explorer'), path, 'immutable');
  }
}
