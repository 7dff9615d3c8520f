import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Serves the files of `dir` (the dashboard bundle) at `/`, `index.html` at
 * `/`. Paths are resolved inside `dir` only; anything else, and every file
 * that does not exist, falls through to the not-found handler.
 */
export function staticFiles(app: FastifyInstance, dir: string): void {
  const root = resolve(dir);
  const serve = async (path: string) => {
    const file = resolve(root, normalize(`.${sep}${path}`));
    if (file !== root && !file.startsWith(`${root}${sep}`)) return null;
    const target = (await stat(file).catch(() => null))?.isDirectory() ? join(file, 'index.html') : file;
    const body = await readFile(target).catch(() => null);
    return body && { body, type: TYPES[extname(target)] ?? 'application/octet-stream' };
  };
  app.get('/', { config: { public: true } }, async (_request, reply) => {
    const found = await serve('index.html');
    if (!found) return reply.callNotFound();
    return reply.type(found.type).send(found.body);
  });
  app.get('/*', { config: { public: true } }, async (request, reply) => {
    const found = await serve(decodeURIComponent((request.params as { '*': string })['*']));
    if (!found) return reply.callNotFound();
    return reply.type(found.type).send(found.body);
  });
}
