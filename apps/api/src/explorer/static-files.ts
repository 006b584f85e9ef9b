import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import type { FastifyReply } from 'fastify';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** The folder of the project's package.json, found upwards from `start` (works from apps/ and from dist/apps/). */
export function projectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Sends `relative` from inside `folder` (never outside it: `..`, absolute paths and unknown types are 404).
 * `immutable` for content-hashed build files.
 */
export function sendFileFrom(
  reply: FastifyReply,
  folder: string,
  relative: string,
  cache: 'immutable' | 'revalidate',
): FastifyReply {
  const file = normalize(join(folder, relative));
  const type = CONTENT_TYPES[extname(file)];
  if (!file.startsWith(folder + sep) || type === undefined || !isFile(file)) {
    return reply.code(404).type('text/plain; charset=utf-8').send('not found');
  }
  const cacheControl = cache === 'immutable' ? 'public, max-age=31536000, immutable' : 'no-cache';
  return reply
    .type(type)
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .send(createReadStream(file));
}
