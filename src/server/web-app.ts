// Serves the web app (web/, built by Vite into web/dist at `npm install`) at `/`. Any GET outside the APIs
// that names no file gets index.html, so that the app's own routes (/functions/…) survive a reload.
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from './app-error.ts';

export const WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist');
const API_PREFIXES = ['/api/', '/v1/', '/metrics', '/healthz', '/openapi.json', '/docs'];

export async function registerWebApp(app: FastifyInstance, dist = WEB_DIST): Promise<void> {
  const built = existsSync(path.join(dist, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: dist,
      // Files are looked up per request, so a rebuilt app is served without a restart.
      wildcard: true,
      // Vite fingerprints assets: they never change under their name. index.html must always be fresh.
      setHeaders: (res, file) => {
        void res.header(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const isApp =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !API_PREFIXES.some((prefix) => request.url.startsWith(prefix)) &&
      !/\.[a-z0-9]{1,8}(\?|$)/i.test(request.url);
    if (isApp && built)
      return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    if (isApp) {
      return reply
        .status(503)
        .type('text/plain')
        .send(
          'The web app is not built. Run `npm install` (or `npm run build:web`) and start Switchyard again.',
        );
    }
    return reply
      .status(404)
      .send(new AppError(404, 'not_found', `no route for ${request.method} ${request.url}`).toJSON());
  });
}
